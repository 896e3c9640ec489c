// One supervisor per state directory: two would fight over the embedded server's store and
// spawn every actor twice. The lock is a pid file written atomically; a stale one (its process
// gone) is taken over.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';
import { SupervisorRunningError } from '../errors.js';
import { isProcessAlive } from '../process.js';

export function acquirePidLock(stateDir: string): () => void {
  const file = join(stateDir, 'supervisor.pid');
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(file, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isProcessAlive(holder)) {
    throw new SupervisorRunningError(`a supervisor is already running for ${stateDir} (pid ${holder}); stop it first or use another --state-dir`);
  }
  writeFileAtomic(file, `${process.pid}\n`);
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8').trim()) === process.pid) rmSync(file);
    } catch {
      // already gone
    }
  };
}
