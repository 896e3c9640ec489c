// The one timed wait of src/: a promise that resolves after a delay or when its signal aborts.

export interface SleepOptions {
  /** Resolves at once when this aborts: a stopping process does not sit out the wait. */
  signal?: AbortSignal;
  /** The timer does not keep the process alive (a grace period that must not delay exit). */
  unref?: boolean;
}

/** Resolves after `ms`, or as soon as `options.signal` aborts; never rejects. */
export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  const { signal, unref = false } = options;
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (unref) timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}
