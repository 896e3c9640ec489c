// The live page's side status: what each actor's read-only reply becomes on the page (the outbox
// per provider, the followed PRs, a running mission's retry state and cost), a part whose actor
// is not in the tree null, and an actor that does not answer named instead of failing the rest.
import { describe, expect, it } from 'vitest';
import { subjectsFor } from '../../src/bus/subjects.js';
import type { Mission } from '../../src/contracts/index.js';
import { askSideStatus } from '../../src/web/sideStatus.js';

const subjects = subjectsFor('roshi');
const running = { id: 'm1', status: 'running', lease: { runner: 'runner-1' } } as unknown as Mission;

function busAnswering(replies: Record<string, unknown>) {
  const asked: Array<{ subject: string; payload: unknown }> = [];
  return {
    asked,
    bus: {
      subjects,
      request: async (subject: string, payload: unknown) => {
        asked.push({ subject, payload });
        const reply = replies[subject];
        if (reply === undefined) throw new Error(`no responders for ${subject}`);
        return reply;
      },
    } as never,
  };
}

describe('side status of the live page', () => {
  it('turns the bridge, pr-poller and runner replies into the page’s rows', async () => {
    const nextAt = Date.now() + 30_000;
    const { bus, asked } = busAnswering({
      [subjects.control('bridge')]: {
        providers: { telegram: { state: 'degraded', send: { queued: 3, sent: 7, failures: 2, lastError: '502' } } },
        outbox: { inFlight: 3, received: 10, delivered: 7 },
      },
      [subjects.control('pr-poller')]: {
        tracked: [{ url: 'https://github.com/a/b/pull/1', inCiQueue: true, attempt: '2/3' }],
      },
      [subjects.control('runner-1')]: {
        runner: 'runner-1',
        mission: { id: 'm1' },
        progress: [
          {
            kind: 'retry',
            text: 'API 429',
            retry: { attempt: 2, maxRetries: 10, errorStatus: 429, delayMs: 30_000, nextAt },
          },
        ],
      },
    });
    const side = await askSideStatus(bus, ['bridge', 'pr-poller', 'runner-1'], [running], async () => ({
      usd: 0.12,
      tokens: 500,
      turns: 3,
      runs: 1,
    }));
    expect(side.outbox).toEqual({
      providers: [{ name: 'telegram', state: 'degraded', queued: 3, sent: 7, failures: 2, lastError: '502' }],
      inFlight: 3,
      received: 10,
      delivered: 7,
    });
    expect(side.prs).toEqual({ tracked: [{ url: 'https://github.com/a/b/pull/1', inCiQueue: true, attempt: '2/3' }] });
    expect(side.runs.m1).toMatch(/^rate limited, retry 2\/10, next in \d+ s$/);
    expect(side.spend.m1).toEqual({ usd: 0.12, tokens: 500, turns: 3, runs: 1 });
    // Only read-only verbs are asked.
    expect(asked.map((a) => (a.payload as { verb: string }).verb).sort()).toEqual(['live', 'providers', 'status']);
  });

  it('null for an actor the tree does not have; an error for one that does not answer', async () => {
    const { bus } = busAnswering({});
    const side = await askSideStatus(bus, ['bridge'], []);
    expect(side.outbox).toEqual({ error: expect.stringContaining('no responders') });
    expect(side.prs).toBeNull();
    expect(side.runs).toEqual({});
  });
  it('asks the bridge and pr-poller of every host in turn: the one holding the lease answers', async () => {
    const { bus, asked } = busAnswering({
      [subjects.control('h2-bridge')]: { providers: {}, outbox: { inFlight: 0, received: 4, delivered: 4 } },
      [subjects.control('h2-pr-poller')]: { tracked: [] },
    });
    const side = await askSideStatus(
      bus,
      ['h1-bridge', 'h1-pr-poller', 'h2-bridge', 'h2-pr-poller', 'h2-runner-1'],
      [],
    );
    expect(side.outbox).toEqual({ providers: [], inFlight: 0, received: 4, delivered: 4 });
    expect(side.prs).toEqual({ tracked: [] });
    expect(asked.map((a) => a.subject).sort()).toEqual(
      ['h1-bridge', 'h1-pr-poller', 'h2-bridge', 'h2-pr-poller'].map((n) => subjects.control(n)).sort(),
    );
  });
});
