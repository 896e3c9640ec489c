// The frame of `status --watch`: the tree as `status` prints it, the running missions with their
// runner and age, the other counts, and what did not answer.
import { describe, expect, it } from 'vitest';
import { watchFrame, type WatchView } from '../../src/cli/statusWatch.js';
import type { ListReply } from '../../src/missions/service.js';
import type { TreeStatus } from '../../src/supervisor/status.js';

const now = Date.UTC(2026, 11, 3, 9, 30, 0);
const status = {
  supervisor: { pid: 10, state: 'running', uptimeMs: 60_000, buildId: 'b1', stateDir: '/s' },
  nats: { url: 'nats://127.0.0.1:4222', embedded: true, connected: true },
  children: [
    {
      name: 'runner-1',
      state: 'running',
      pid: 42,
      restarts: 1,
      tier: 0,
      circuit: 'closed',
      lastVerdict: null,
      uptimeMs: 30_000,
      actorState: 'working',
      rssBytes: null,
      buildId: 'b1',
    },
  ],
} as unknown as TreeStatus;
const missions = {
  missions: [
    {
      id: 'm-abc123',
      status: 'running',
      text: 'fix the\nflaky test',
      startedAt: now - 95_000,
      lease: { runner: 'runner-1' },
    },
  ],
  total: 1,
  truncated: false,
  counts: { pending: 2, running: 1, awaiting_approval: 0, done: 5, failed: 0, cancelled: 0 },
  invalid: [],
} as unknown as ListReply;

describe('status --watch frame', () => {
  it('shows the tree, each running mission with runner and age, and the other counts', () => {
    const frame = watchFrame({ status, missions, openBreakers: [] }, now);
    expect(frame).toMatch(/^roshi status --watch {2}09:30:00 UTC/);
    expect(frame).toMatch(/^runner-1\s+running\s+42\s/m);
    expect(frame).toContain('RUNNING MISSIONS (1)');
    expect(frame).toMatch(/^m-abc123\s+runner-1\s+1m ?35s\s+fix the flaky test$/m);
    expect(frame).toContain('2 pending, 5 done');
  });

  it('says what did not answer instead of failing', () => {
    const view: WatchView = {
      status: { error: 'no responders' },
      missions: { error: 'timeout' },
      openBreakers: [],
    };
    const frame = watchFrame(view, now);
    expect(frame).toContain('supervisor not answering: no responders');
    expect(frame).toContain('missions not answering: timeout');
  });
});
