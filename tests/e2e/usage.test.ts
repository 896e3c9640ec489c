// /usage counts every agent run (docs/operations.md#usage-jsonl): a real tree (runner and chat
// from dist/, the real Claude Code CLI against the scripted Messages API). A mission that
// succeeds, one that fails, one cancelled mid-run and a chat answer each leave their line in
// usage.jsonl, with their outcome, and /usage's summary counts them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatUsage, readUsage } from '../../src/bridge/usage.js';
import type { ChatReply, Mission } from '../../src/contracts/index.js';
import { answerByLastMarker } from '../harness/chatScenarios.js';
import { runsBash, writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { deepMerge, type TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

type Line = Record<string, unknown>;

describe('usage.jsonl and /usage', { timeout: 120_000 }, () => {
  let world: MissionWorld;
  let tree: TestTree;

  useMissionTree(
    {
      // A chat prompt also holds the missions' texts: answer by the LAST marker, the message's own.
      prepare: answerByLastMarker,
      config: (w) =>
        deepMerge(w.config(), {
          actors: { chat: { enabled: true } },
          chat: { timeout: '60s' },
          // One attempt: a failed run fails its mission at once.
          missions: { maxAttempts: 1 },
        }),
      running: ['missions', 'runner-1', 'chat'],
    },
    (started) => ({ world, tree } = started),
    120_000,
  );

  const usageFile = () => join(tree.stateDir, 'usage.jsonl');
  const lines = (): Line[] => {
    try {
      return readFileSync(usageFile(), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line);
    } catch {
      return [];
    }
  };
  const lineOf = (what: string, match: (l: Line) => boolean) =>
    until(() => lines().find(match), what, {
      timeoutMs: 60_000,
      intervalMs: 200,
      detail: () => tree.output().slice(-3000),
    });
  const add = (text: string) =>
    tree.bus.request<Mission>(tree.bus.subjects.missions('add'), { text, source: 'nats' }, 5_000);
  const get = (id: string) => tree.bus.request<Mission>(tree.bus.subjects.missions('get'), { id });

  it('records a successful mission run from the pipeline, with its PR', async () => {
    world.scenarios.set('usage-ok', writesFile('usage.txt', 'counted'));
    const mission = await add('write the usage file {{usage-ok}}');
    const line = await lineOf('the successful run in usage.jsonl', (l) => l.missionId === mission.id);
    expect(line).toMatchObject({ kind: 'free', project: 'app', outcome: 'success', attempt: 1 });
    expect(line.prUrl).toMatch(/\/acme\/app\/pull\/\d+$/);
    expect(typeof line.costUsd).toBe('number');
  });

  it('records a failed mission run with its outcome and what it cost', async () => {
    // One answered turn (a tool call), then the API refuses: the run fails permanently.
    world.scenarios.set('usage-fail', ({ toolResults }) =>
      toolResults === 0
        ? { toolUse: { name: 'Bash', input: { command: 'true', description: 'look around' } } }
        : { error: { status: 400, type: 'invalid_request_error', message: 'this request is not valid' } },
    );
    const mission = await add('do something doomed {{usage-fail}}');
    const line = await lineOf('the failed run in usage.jsonl', (l) => l.missionId === mission.id);
    expect(line).toMatchObject({ kind: 'free', project: 'app', outcome: 'permanent', attempt: 1 });
    expect(line.branch).toMatch(/^roshi\//);
    expect(typeof line.durationMs).toBe('number');
    // The CLI's result line of the failed run still says what its answered turn cost.
    expect(typeof line.costUsd).toBe('number');
    expect(line.tokens).toMatchObject({ input: expect.any(Number), output: expect.any(Number) });
    await until(async () => (await get(mission.id)).status === 'failed', 'the mission failed', { timeoutMs: 30_000 });
  });

  it('records a run cancelled mid-way', async () => {
    world.scenarios.set('usage-slow', runsBash('exec sleep 300', 'wait'));
    const mission = await add('take all the time {{usage-slow}}');
    // The agent is inside its Bash call once the API was asked for it.
    await until(
      () =>
        world.anthropic.messageRequests().some((r) => JSON.stringify(r.body).includes('{{usage-slow}}')) &&
        get(mission.id).then((m) => m.status === 'running'),
      'the slow mission running',
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    await tree.bus.request(tree.bus.subjects.missions('cancel'), { id: mission.id });
    const line = await lineOf('the cancelled run in usage.jsonl', (l) => l.missionId === mission.id);
    expect(line).toMatchObject({ kind: 'free', project: 'app', outcome: 'cancelled' });
    expect(typeof line.durationMs).toBe('number');
  });

  it('records a chat answer, and /usage counts every run by outcome', async () => {
    world.scenarios.set('usage-chat', () => ({ text: 'a chat answer' }));
    const reply = await tree.bus.request<ChatReply>(
      tree.bus.subjects.chatRequest,
      { text: 'how much did we spend? {{usage-chat}}', chatId: 'usage-1', provider: 'console', userId: 'tester' },
      90_000,
    );
    expect(reply.text).toBe('a chat answer');
    const line = await lineOf('the chat run in usage.jsonl', (l) => l.kind === 'chat');
    expect(line).toMatchObject({ kind: 'chat', outcome: 'success', provider: 'console', requestId: reply.requestId });
    expect(typeof line.costUsd).toBe('number');
    expect(line.tokens).toMatchObject({ input: expect.any(Number), output: expect.any(Number) });

    const summary = await readUsage(usageFile(), Date.now());
    expect(summary.today.missions).toEqual({ runs: 3, outcomes: { success: 1, permanent: 1, cancelled: 1 } });
    expect(summary.today.chat).toEqual({ runs: 1, outcomes: { success: 1 } });
    const text = formatUsage(summary);
    expect(text).toMatch(
      /^today: \$\d+\.\d\d · \S+ tokens · 3 mission runs \(1 succeeded, 1 failed, 1 cancelled\) · 1 chat run$/m,
    );
  });
});
