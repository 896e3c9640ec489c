// `roshi status` (the table, not only --json) shows an actor that runs but reports itself
// degraded, as the bridge does when a chat provider cannot receive (docs/chat.md#provider-health).
import { describe, expect, it } from 'vitest';
import type { ChildRow, TreeStatus } from '../../src/supervisor/status.js';
import { formatStatus } from '../../src/supervisor/status.js';

const row = (name: string, actorState: string): ChildRow =>
  ({
    name,
    state: 'running',
    pid: 100,
    restarts: 0,
    tier: 0,
    circuit: 'closed',
    uptimeMs: 60_000,
    actorState,
    rssBytes: null,
    buildId: 'b1',
  }) as unknown as ChildRow;

const tree = (children: ChildRow[]): TreeStatus => ({
  supervisor: { pid: 1, state: 'running', uptimeMs: 60_000, buildId: 'b1', stateDir: '/s' },
  nats: { url: 'nats://127.0.0.1:4222', embedded: true, connected: true },
  children,
});

describe('roshi status', () => {
  it('marks a running actor that reports degraded, and only that one', () => {
    const lines = formatStatus(tree([row('bridge', 'degraded'), row('missions', 'running')])).split('\n');
    expect(lines.find((l) => l.startsWith('bridge'))).toMatch(/^bridge\s+running \(degraded\)\s+100 /);
    expect(lines.find((l) => l.startsWith('missions'))).toMatch(/^missions\s+running\s+100 /);
  });
});
