// One request of a kind at a time: a call while one runs asks for exactly one more right after
// it, so a burst of events costs two round trips and the last answer is never older than the
// last event. The live feed re-asks the tree and the missions this way.
export function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = task().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        void run();
      }
    });
    return running;
  };
  return run;
}
