// Heal state outlives the supervisor: a circuit that was open when the supervisor stopped is
// still open when it starts again on the same state dir, instead of the crash loop starting over.
import { describe, expect, it } from 'vitest';
import { restartOnSameStateDir, startWithChatCircuitOpen } from '../harness/chatCircuitTree.js';

describe('persisted heal state', () => {
  it('keeps an open circuit open across a supervisor restart', async () => {
    const first = await startWithChatCircuitOpen();
    const heal = await first.bus.request<{ circuit: string }>(first.bus.subjects.supStatus, {});
    expect(heal).toBeDefined();

    // Same state dir, no fault any more: chat would start fine, but its circuit is still open.
    await restartOnSameStateDir(first, async (second) => {
      const chat = await second.child('chat');
      expect(chat.circuit).toBe('open');
      expect(chat.state).toBe('circuitOpen');
      expect(chat.restarts).toBeGreaterThanOrEqual(3);
      expect(chat.deadline).toBeGreaterThan(Date.now() + 30_000);

      // The operator can reset it: a restart request on an open circuit starts it fresh.
      const { stdout } = await second.cli(['restart', 'chat']);
      expect(stdout).toMatch(/circuit reset/);
      await second.waitForRunning(['chat'], 20_000);
      expect((await second.child('chat')).circuit).toBe('closed');
    });
  });
});
