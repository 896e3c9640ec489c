// A small tree whose chat actor crashes at every start until its circuit opens, and a second
// supervisor started on the same state dir: how the e2e tests see heal state outlive a restart.
import { rmSync } from 'node:fs';
import { TestTree } from './tree.js';

const SMALL = {
  actors: { runner: { enabled: false }, prPoller: { enabled: false } },
  supervision: { circuitOpenFor: '60s' },
};

/** Starts the small tree with chat crashing on start and waits until chat's circuit opens. */
export async function startWithChatCircuitOpen(): Promise<TestTree> {
  const tree = await TestTree.start({ env: { ROSHI_FAULTS: 'chat:crash-on-start' }, config: SMALL });
  try {
    await tree.waitForEvent((e) => e.child === 'chat' && e.kind === 'circuitOpen', 30_000, 'chat circuit open');
  } catch (error) {
    await tree.stop();
    throw error;
  }
  return tree;
}

/**
 * Stops `first` (SIGTERM, keeping its state dir), starts the small tree again on that dir with no
 * fault, and runs `check` on it once watchdog and bridge run; then stops it and removes the dir.
 */
export async function restartOnSameStateDir(first: TestTree, check: (second: TestTree) => Promise<void>) {
  const stateDir = first.stateDir;
  try {
    await first.stop('SIGTERM', { keepStateDir: true });
    const second = await TestTree.start({ stateDir, config: SMALL });
    try {
      await second.waitForRunning(['watchdog', 'bridge']);
      await check(second);
    } finally {
      await second.stop('SIGTERM', { keepStateDir: true });
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
