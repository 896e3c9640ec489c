// What `roshi status`, the chat's /status and /live show beyond the tree (issue 10, item 14):
// open breakers (dispatch and pipeline), the agent's retry state, JetStream write durability.
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { breakerFailure, circuitBreakerMachine } from '../../machines/circuitBreaker.js';
import type { ChildRow, TreeStatus } from '../../src/supervisor/status.js';
import { formatStatus as formatTree } from '../../src/supervisor/status.js';
import { formatLive, formatStatus as formatChat, runnerLine, type LiveReply } from '../../src/bridge/format.js';
import { askOpenBreakers, openBreakersOf, type OpenBreaker } from '../../src/supervisor/openBreakers.js';
import { createPipelineBreakers, runnerBreakerRows } from '../../src/runner/breakers.js';

const NOW = 1_800_000_000_000;

const child = (name: string): ChildRow =>
  ({
    name,
    state: 'running',
    pid: 100,
    restarts: 0,
    tier: 0,
    circuit: 'closed',
    uptimeMs: 60_000,
    actorState: 'idle',
    rssBytes: null,
    buildId: 'b1',
  }) as unknown as ChildRow;

const tree = (over: Partial<TreeStatus['nats']> = {}): TreeStatus => ({
  supervisor: { pid: 1, state: 'running', uptimeMs: 60_000, buildId: 'b1', stateDir: '/s' },
  nats: { url: 'nats://127.0.0.1:4222', embedded: true, connected: true, ...over },
  children: [child('runner-1')],
});

const dispatchOpen: OpenBreaker = {
  runner: 'runner-1',
  name: 'dispatch',
  state: 'open',
  failures: 3,
  openUntil: NOW + 42_000,
  reason: 'rate limited by the API (HTTP 429), still failing after 10 retries: slow down',
};

const chat = (over: Partial<Parameters<typeof formatChat>[0]> = {}) =>
  formatChat({ tree: tree(), counts: { running: 1 }, pause: undefined, runners: [], now: NOW, ...over });

describe('open breakers', () => {
  it('a runner reports its dispatch breaker and its pipeline breakers, with the last failure', () => {
    const dispatch = createActor(circuitBreakerMachine, {
      input: { maxConsecutiveFailures: 2, openForMs: 60_000, now: NOW, name: 'runner-1-dispatch' },
    }).start();
    dispatch.send(breakerFailure(NOW, 'first'));
    dispatch.send(breakerFailure(NOW + 1, 'API overloaded (HTTP 529)'));
    const pipeline = createPipelineBreakers({ now: () => NOW });
    const rows = runnerBreakerRows(pipeline, dispatch);
    expect(rows.map((r) => `${r.name}:${r.state}`)).toEqual([
      'dispatch:open',
      'pipeline.usage:closed',
      'pipeline.journal:closed',
      'pipeline.notify:closed',
    ]);
    expect(openBreakersOf('runner-1', JSON.parse(JSON.stringify(rows)))).toEqual([
      {
        runner: 'runner-1',
        name: 'dispatch',
        state: 'open',
        failures: 2,
        openUntil: NOW + 1 + 60_000,
        reason: 'API overloaded (HTTP 529)',
      },
    ]);
    dispatch.stop();
    pipeline.stop();
  });

  it('asks every runner; one that does not answer or answers nonsense adds nothing', async () => {
    const open = await askOpenBreakers(['runner-1', 'runner-2', 'runner-3'], async (runner) => {
      if (runner === 'runner-2') throw new Error('no responders');
      if (runner === 'runner-3') return { nonsense: true };
      return [{ name: 'pipeline.notify', state: 'halfOpen', failures: 3, opens: 1, recentFailures: [] }];
    });
    expect(open).toEqual([{ runner: 'runner-1', name: 'pipeline.notify', state: 'halfOpen', failures: 3 }]);
  });

  it('roshi status prints a line per open breaker', () => {
    const text = formatTree(tree(), { openBreakers: [dispatchOpen], now: NOW });
    expect(text).toMatch(
      /^breaker {4}runner-1 dispatch breaker open after 3 failures, trial in 42 s: rate limited by the API \(HTTP 429\)/m,
    );
    expect(formatTree(tree())).not.toContain('breaker ');
  });

  it('/status prints them too', () => {
    const text = chat({
      openBreakers: [dispatchOpen, { ...dispatchOpen, name: 'pipeline.journal', state: 'halfOpen' }],
    });
    expect(text).toContain('🛑 runner-1 dispatch breaker open after 3 failures, trial in 42 s: rate limited');
    expect(text).toContain('🛑 runner-1 pipeline.journal breaker half-open, one trial running');
  });
});

describe('the agent retry state in /status and /live', () => {
  const live: LiveReply = {
    runner: 'runner-1',
    mission: { id: 'k2x9', project: 'app', text: 'fix the login', startedAt: NOW - 300_000 } as LiveReply['mission'],
    progress: [
      { kind: 'init', text: 'session started', at: NOW - 290_000 },
      {
        kind: 'retry',
        text: 'API 429 rate_limit: retry 8/10 in 40.0s',
        at: NOW - 6_000,
        retry: { attempt: 8, maxRetries: 10, errorStatus: 429, delayMs: 40_000, nextAt: NOW + 34_000 },
      } as LiveReply['progress'][number],
    ],
  };

  it('a runner waiting out a rate limit says so, with the retry and the seconds left', () => {
    expect(runnerLine(live, NOW)).toContain('rate limited, retry 8/10, next in 34 s');
    expect(chat({ runners: [live] })).toContain('rate limited, retry 8/10, next in 34 s');
    expect(formatLive([live], NOW)).toContain('rate limited, retry 8/10, next in 34 s');
  });

  it('once an answer came, the last progress line again', () => {
    const answered = { ...live, progress: [...live.progress, { kind: 'text', text: 'Looking at login.ts', at: NOW }] };
    expect(runnerLine(answered, NOW)).not.toContain('rate limited');
    expect(runnerLine(answered, NOW)).toContain('last: Looking at login.ts');
  });
});

describe('JetStream durability in /status', () => {
  it('shows what roshi status shows when writes are not synced', () => {
    const detail = 'nats-server 2.9.10 cannot sync every write (sync_interval needs 2.10+)';
    const text = chat({
      tree: tree({ jetstreamSync: { mode: 'interval', serverVersion: '2.9.10', detail } }),
    });
    expect(text).toContain(`jetstream: WRITES NOT SYNCED: ${detail}`);
  });

  it('a short line when every write is synced, nothing from an older supervisor', () => {
    const synced = chat({ tree: tree({ jetstreamSync: { mode: 'always', serverVersion: '2.10.7', detail: 'ok' } }) });
    expect(synced).toContain('jetstream: nats-server 2.10.7, every write synced before its ack');
    expect(chat()).not.toContain('jetstream');
  });
});
