// Runs once around the whole suite: checks that what the tests need is there, and after the
// last file fails the run if any process a test started is still alive (a leak).
import { randomUUID } from 'node:crypto';
import { findNatsServer } from '../../src/bus/embedded-server.js';
import { leakedProcesses, TEST_MARKER } from './processes.js';

export default function setup() {
  findNatsServer(''); // throws with install instructions when missing
  // A value unique to this run: a leak check must never touch another run's processes.
  const runId = randomUUID();
  process.env[TEST_MARKER] = runId;
  return async function teardown() {
    const leaks = await leakedProcesses(runId);
    if (leaks.length > 0) {
      for (const leak of leaks) {
        try {
          process.kill(leak.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      throw new Error(`processes left behind by tests:\n${leaks.map((l) => `  ${l.pid} ${l.args}`).join('\n')}`);
    }
  };
}
