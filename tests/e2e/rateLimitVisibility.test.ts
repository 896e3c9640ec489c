// Rate limits and open breakers are visible (issue 10, item 14), end to end: real supervisor and
// runner from dist/, the real Claude Code CLI against a scripted API answering 429 with a long
// Retry-After. While the CLI waits, `mission show` says so; the failed attempt's last error is
// one sentence; the runner's dispatch breaker opens and `roshi status` shows it.
import { describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import type { MissionWorld } from '../harness/missionWorld.js';
import { useMissionTree } from '../harness/missionSuite.js';
import type { TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

describe('a rate-limited mission', () => {
  let world: MissionWorld;
  let tree: TestTree;
  useMissionTree(
    {
      config: (w) =>
        w.config({
          // One transient failure opens the dispatch breaker, long enough to be seen.
          runner: { pollInterval: '300ms', breaker: { maxConsecutiveFailures: 1, openFor: '10m' } },
        }),
      running: ['watchdog', 'missions', 'runner-1'],
    },
    (started) => ({ world, tree } = started),
    90_000,
  );

  it('shows the retry while the CLI waits, fails with one sentence, and status shows the open breaker', async () => {
    // The world's agent retries once (CLAUDE_CODE_MAX_RETRIES=1): 429, a 15 s wait, 429 again.
    world.scenarios.set('limited', () => ({
      error: {
        status: 429,
        type: 'rate_limit_error',
        message: 'Number of requests has exceeded your rate limit',
        headers: { 'retry-after': '15' },
      },
    }));
    // The runner's progress subject carries the retry state too (the live view reads it there).
    const progress: Array<Record<string, unknown>> = [];
    const unsubscribe = tree.bus.subscribe(tree.bus.subjects.runnerProgress('runner-1'), (p) => void progress.push(p));
    const mission = await tree.bus.request<Mission>(
      tree.bus.subjects.missions('add'),
      { text: 'touch the rate limit {{limited}}', source: 'nats' },
      5_000,
    );

    const shown = await until(
      async () => {
        const out = await tree.cli(['mission', 'show', mission.id]);
        return /^agent +rate limited, retry 1\/1, next in \d+ s$/m.test(out.stdout) ? out.stdout : undefined;
      },
      'mission show with the retry state',
      { timeoutMs: 60_000, intervalMs: 500, detail: () => tree.output().slice(-3000) },
    );
    expect(shown).toMatch(/^status +running$/m);
    const retry = progress.find((p) => p.kind === 'retry');
    expect(retry).toMatchObject({
      missionId: mission.id,
      retry: { attempt: 1, maxRetries: 1, errorStatus: 429, delayMs: 15_000 },
    });
    unsubscribe();

    const failed = await until(
      async () => {
        const m = await tree.bus.request<Mission>(tree.bus.subjects.missions('get'), { id: mission.id });
        return m.lastError ? m : undefined;
      },
      'the attempt to fail',
      { timeoutMs: 60_000, intervalMs: 500, detail: () => tree.output().slice(-3000) },
    );
    expect(failed.lastError).toBe(
      'rate limited by the API (HTTP 429), still failing after 1 retry: Number of requests has exceeded your rate limit',
    );

    const status = await until(
      async () => {
        const out = await tree.cli(['status']);
        return /^breaker +runner-1 dispatch breaker open/m.test(out.stdout) ? out.stdout : undefined;
      },
      'roshi status with the open breaker',
      { timeoutMs: 30_000, intervalMs: 500, detail: () => tree.output().slice(-3000) },
    );
    expect(status).toMatch(
      /^breaker +runner-1 dispatch breaker open after 1 failure, trial in \d+ s: rate limited by the API \(HTTP 429\)/m,
    );
    const json = JSON.parse((await tree.cli(['status', '--json'])).stdout) as { openBreakers: unknown[] };
    expect(json.openBreakers).toEqual([
      expect.objectContaining({ runner: 'runner-1', name: 'dispatch', state: 'open' }),
    ]);
  }, 180_000);
});
