// How the supervisor process ends: a stop request (signal or ctl) stops the tree in reverse
// order, a second one a moment later forces it (SIGKILL to every child, exit 1), the machine's
// final state exits 0, and a failed machine kills the children and exits 70. A signal during
// start-up is held until the lifecycle listens (holdStopSignals).
import type { Logger } from '../log.js';
import type { SupervisorActor } from './treeView.js';

export interface LifecycleOptions {
  root: SupervisorActor;
  logger: Logger;
  /** SIGKILL to every live child. */
  killAll: () => void;
  /** Stops timers and subscriptions, closes the bus, stops the machine, releases the state dir. */
  close: () => Promise<void>;
  /** Where SIGINT and SIGTERM come from: the process, or a test's emitter. */
  signals?: { on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown };
}

export interface Lifecycle {
  shutdown: (reason: string) => void;
  /** Resolves with the process exit code once everything is closed. */
  done: Promise<number>;
}

/** Subscribes to the machine and to SIGINT/SIGTERM; call before the machine starts. */
export function superviseLifecycle({ root, logger, killAll, close, signals = process }: LifecycleOptions): Lifecycle {
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let stopRequestedAt: number | undefined;

  function shutdown(reason: string): void {
    // A signal sent to the whole process group (timeout(1), some service managers) can arrive
    // twice at once; only a second request a moment later means "force".
    if (stopRequestedAt !== undefined && Date.now() - stopRequestedAt < 1000) return;
    if (stopRequestedAt !== undefined) {
      logger.warn({ reason }, 'second stop request: killing every child now');
      killAll();
      void finish(1);
      return;
    }
    stopRequestedAt = Date.now();
    logger.info({ reason }, 'stopping the tree');
    root.send({ type: 'STOP', at: Date.now() });
  }

  async function finish(code: number): Promise<void> {
    await close();
    resolveDone(code);
  }

  root.subscribe({
    next: (snapshot) => {
      if (snapshot.status === 'done') void finish(0);
    },
    error: (error) => {
      logger.fatal({ err: error }, 'supervisor machine failed; killing children');
      killAll();
      void finish(70);
    },
  });
  signals.on('SIGINT', () => shutdown('SIGINT'));
  signals.on('SIGTERM', () => shutdown('SIGTERM'));
  return { shutdown, done };
}

export interface HeldStopSignals {
  /** Resolves with the first stop signal: for a step that may wait without end (an external cluster). */
  signalled: Promise<string>;
  /** Stops listening and returns the first stop signal that arrived, if any. */
  release: () => string | undefined;
}

/**
 * Listens for SIGINT/SIGTERM while the process is being set up and remembers the first. Release it
 * only once the lifecycle listens: with no listener left, Node restores the default action and a
 * signal in that moment would kill the process outright, leaving children and the lock behind.
 */
export function holdStopSignals(signals: NodeJS.Process = process): HeldStopSignals {
  let first: string | undefined;
  let resolveSignalled!: (signal: string) => void;
  const signalled = new Promise<string>((resolve) => (resolveSignalled = resolve));
  const remember = (signal: NodeJS.Signals) => {
    first ??= signal;
    resolveSignalled(first);
  };
  signals.on('SIGINT', remember);
  signals.on('SIGTERM', remember);
  return {
    signalled,
    release: () => {
      signals.off('SIGINT', remember);
      signals.off('SIGTERM', remember);
      return first;
    },
  };
}
