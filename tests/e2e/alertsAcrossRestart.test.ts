// An open circuit is announced to the operator once, not again by a supervisor that restarts on
// the same state dir and restores it from the heal store (docs/supervision.md#operator-alerts).
import { describe, expect, it } from 'vitest';
import { restartOnSameStateDir, startWithChatCircuitOpen } from '../harness/chatCircuitTree.js';
import { sleep } from '../harness/tree.js';

describe('alerts across a supervisor restart', () => {
  it('does not alert a restored open circuit again', async () => {
    const first = await startWithChatCircuitOpen();
    await restartOnSameStateDir(first, async (second) => {
      expect((await second.child('chat')).state).toBe('circuitOpen');
      await sleep(1_000); // an alert, if any, is published right after the restore
      const opens = (await second.outbox()).filter((a) => a.child === 'chat' && a.event === 'circuitOpen');
      expect(opens).toHaveLength(1);
    });
  });
});
