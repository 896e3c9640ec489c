// `mission show` of a running mission whose agent waits out a rate limit says so.
import { describe, expect, it } from 'vitest';
import { askAgentState } from '../../src/cli/missionAgentState.js';
import { formatMission } from '../../src/cli/mission.js';
import type { Mission } from '../../src/contracts/index.js';

const NOW = 1_800_000_000_000;
const mission = {
  id: 'k2x9',
  status: 'running',
  project: 'app',
  kind: 'mission',
  text: 'fix the login',
  source: 'cli',
  attempts: 1,
  maxAttempts: 3,
  transientAttempts: 0,
  maxTransientAttempts: 5,
  order: 1,
  createdAt: NOW - 600_000,
  updatedAt: NOW - 60_000,
  startedAt: NOW - 300_000,
  lease: { runner: 'runner-1', until: NOW + 60_000 },
} as unknown as Mission;

const live = (id: string, last: Record<string, unknown>) => ({
  runner: 'runner-1',
  mission: { id },
  progress: [{ kind: 'init', text: 'session started', at: NOW - 200_000 }, last],
});
const waiting = {
  kind: 'retry',
  text: 'API 429 rate_limit: retry 8/10 in 40.0s',
  at: NOW - 6_000,
  retry: { attempt: 8, maxRetries: 10, errorStatus: 429, delayMs: 40_000, nextAt: NOW + 34_000 },
};

describe('mission show: the agent state of a running mission', () => {
  it('shows the retry the agent is waiting on, asked from the runner that holds the lease', async () => {
    const asked: string[] = [];
    const state = await askAgentState(
      mission,
      async (runner) => {
        asked.push(runner);
        return live('k2x9', waiting);
      },
      () => NOW,
    );
    expect(asked).toEqual(['runner-1']);
    expect(state).toBe('rate limited, retry 8/10, next in 34 s');
    expect(formatMission(mission, state)).toMatch(/^agent +rate limited, retry 8\/10, next in 34 s$/m);
  });

  it('nothing when the agent got an answer, the runner runs another mission or does not answer', async () => {
    const ask = (reply: unknown) =>
      askAgentState(
        mission,
        async () => reply,
        () => NOW,
      );
    expect(await ask(live('k2x9', { kind: 'text', text: 'ok', at: NOW }))).toBeUndefined();
    expect(await ask(live('other', waiting))).toBeUndefined();
    expect(
      await askAgentState(
        mission,
        async () => Promise.reject(new Error('timeout')),
        () => NOW,
      ),
    ).toBeUndefined();
    expect(formatMission(mission)).not.toMatch(/^agent /m);
  });

  it('does not ask at all for a mission that is not running', async () => {
    let asked = false;
    const state = await askAgentState({ ...mission, status: 'pending', lease: undefined } as Mission, async () => {
      asked = true;
      return live('k2x9', waiting);
    });
    expect(state).toBeUndefined();
    expect(asked).toBe(false);
  });
});
