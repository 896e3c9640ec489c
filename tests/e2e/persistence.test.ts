// Heal state outlives the supervisor: a circuit that was open when the supervisor stopped is
// still open when it starts again on the same state dir, instead of the crash loop starting over.
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TestTree } from '../harness/tree.js';

const SMALL = {
  actors: { runner: { enabled: false }, prPoller: { enabled: false } },
  supervision: { circuitOpenFor: '60s' },
};

describe('persisted heal state', () => {
  it('keeps an open circuit open across a supervisor restart', async () => {
    const first = await TestTree.start({ env: { ROSHI_FAULTS: 'chat:crash-on-start' }, config: SMALL });
    let stateDir = first.stateDir;
    try {
      await first.waitForEvent((e) => e.child === 'chat' && e.kind === 'circuitOpen', 30_000, 'chat circuit open');
      const heal = await first.bus.request<{ circuit: string }>(first.bus.subjects.supStatus, {});
      expect(heal).toBeDefined();
      await first.stop('SIGTERM', { keepStateDir: true });

      // Same state dir, no fault any more: chat would start fine, but its circuit is still open.
      const second = await TestTree.start({ stateDir, config: SMALL });
      try {
        await second.waitForRunning(['watchdog', 'bridge']);
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
      } finally {
        await second.stop('SIGTERM', { keepStateDir: true });
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
