// An open circuit is announced to the operator once, not again by a supervisor that restarts on
// the same state dir and restores it from the heal store (docs/supervision.md#operator-alerts).
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sleep, TestTree } from '../harness/tree.js';

const SMALL = {
  actors: { runner: { enabled: false }, prPoller: { enabled: false } },
  supervision: { circuitOpenFor: '60s' },
};

describe('alerts across a supervisor restart', () => {
  it('does not alert a restored open circuit again', async () => {
    const first = await TestTree.start({ env: { ROSHI_FAULTS: 'chat:crash-on-start' }, config: SMALL });
    const stateDir = first.stateDir;
    try {
      await first.waitForEvent((e) => e.child === 'chat' && e.kind === 'circuitOpen', 30_000, 'chat circuit open');
      await first.stop('SIGTERM', { keepStateDir: true });

      const second = await TestTree.start({ stateDir, config: SMALL });
      try {
        await second.waitForRunning(['watchdog', 'bridge']);
        expect((await second.child('chat')).state).toBe('circuitOpen');
        await sleep(1_000); // an alert, if any, is published right after the restore
        const opens = (await second.outbox()).filter((a) => a.child === 'chat' && a.event === 'circuitOpen');
        expect(opens).toHaveLength(1);
      } finally {
        await second.stop('SIGTERM', { keepStateDir: true });
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
