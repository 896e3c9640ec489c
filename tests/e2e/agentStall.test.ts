// Progress, not just output, and the mission budget (docs/missions.md#stalls-and-budgets-per-mission),
// end to end: the supervisor from dist/, the real Claude Code CLI against a scripted API. A model
// that repeats one call is nudged, then stopped, and the mission fails as `stalled` naming the
// call; one that obeys the nudge finishes; one that spends past its money budget is stopped at
// the next turn with its work kept on the mission's branch.
import { describe, expect, it } from 'vitest';
import type { AgentProgress } from '../../src/adapters/agent/types.js';
import type { Mission } from '../../src/contracts/index.js';
import { conversationOf } from '../fakes/anthropic.js';
import { addMission, untilMission } from '../harness/missionClient.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { gitIn, type MissionWorld } from '../harness/missionWorld.js';
import { deepMerge, type TestTree } from '../harness/tree.js';

/** The start of every nudge (src/adapters/agent/stallTiers.ts). */
const NUDGE = 'roshi (the supervisor running you) sees no progress';
/** Each answer of the fake costs about $0.001 as estimated while it streams: three to five per stalled run. */
const BUDGET_USD = 0.0075;

type Progress = AgentProgress & { missionId: string };

describe('stalls and the mission budget', () => {
  let world: MissionWorld;
  let tree: TestTree;
  const progress: Progress[] = [];
  useMissionTree(
    {
      config: (w) =>
        deepMerge(w.config(), {
          agent: {
            maxTurns: 40,
            stall: {
              repeatedCall: 3,
              repeatedError: 0,
              noProgress: 0,
              turnsWithoutEdits: 0,
              graceTurns: 2,
              stopGrace: '20s',
            },
          },
          budgets: { mission: { usd: BUDGET_USD } },
          missions: { maxAttempts: 3 },
        }),
      running: ['missions', 'runner-1'],
      ready: ({ tree: t }) => {
        t.bus.subscribe(t.bus.subjects.runnerProgress('*'), (p) => void progress.push(p as unknown as Progress));
      },
    },
    (started) => ({ world, tree } = started),
    90_000,
  );

  const requestsOf = (marker: string) =>
    world.anthropic.messageRequests().filter((r) => conversationOf(r.body).text.includes(`{{${marker}}}`));

  it('a model repeating one call is nudged, then stopped; the mission fails as stalled naming the call', async () => {
    world.scenarios.set('loops', () => ({
      toolUse: { name: 'Bash', input: { command: 'ls -la', description: 'look' } },
    }));
    const added = await addMission(tree, 'list the files forever {{loops}}');
    const failed: Mission = await untilMission(tree, added.id, (m) => m.status === 'failed', 90_000, 'stalled');

    expect(failed.attempts, 'no second run').toBe(1);
    expect(failed.result?.errorClass).toBe('stalled');
    expect(failed.lastError).toContain('stalled (repeated-call)');
    expect(failed.lastError).toContain('Bash: ls -la');
    expect(failed.lastError).toContain('nudged first');
    // The nudge reached the model, and the run ended at the stop, not at maxTurns.
    const requests = requestsOf('loops');
    expect(requests.some((r) => conversationOf(r.body).text.includes(NUDGE))).toBe(true);
    expect(requests.length).toBeLessThan(10);
    // Live on roshi.runner.<name>.progress: the nudge, then the stop, with the rule and the call.
    const stalls = progress.filter((p) => p.missionId === added.id && p.kind === 'stall');
    expect(stalls.map((p) => p.text.split(':')[0])).toEqual(['nudged', 'stopping']);
    expect(stalls[0]?.stall).toEqual({ rule: 'repeated-call', repeated: 'Bash: ls -la' });
    // `mission show` names the outcome and the evidence.
    const shown = await tree.cli(['mission', 'show', added.id]);
    expect(shown.stdout).toContain('stalled');
    expect(shown.stdout).toContain('Bash: ls -la');
  });

  it('a model that obeys the nudge finishes done', async () => {
    world.scenarios.set('obeys', ({ body, toolResults }) => {
      const { text } = conversationOf(body);
      if (!text.includes(NUDGE)) return { toolUse: { name: 'Bash', input: { command: 'pwd', description: 'where' } } };
      if (!text.includes('obeyed.txt'))
        return { toolUse: { name: 'Bash', input: { command: 'printf ok > obeyed.txt', description: 'write' } } };
      return { text: `Changed course after ${toolResults} tool calls.` };
    });
    const added = await addMission(tree, 'look around, then write {{obeys}}');
    const done: Mission = await untilMission(
      tree,
      added.id,
      (m) => m.status !== 'pending' && m.status !== 'running',
      90_000,
      'finished',
    );
    expect(done.status, done.lastError).toBe('done');
    expect(
      progress.filter((p) => p.missionId === added.id && p.kind === 'stall').map((p) => p.text.split(':')[0]),
    ).toEqual(['nudged']);
  });

  it('a run that crosses its money budget stops at the next turn with its work kept', async () => {
    world.scenarios.set('spends', ({ toolResults }) => ({
      toolUse: { name: 'Bash', input: { command: `printf x > step-${toolResults}.txt`, description: 'one more step' } },
    }));
    const added = await addMission(tree, 'write steps without end {{spends}}');
    const failed: Mission = await untilMission(tree, added.id, (m) => m.status === 'failed', 90_000, 'budget');

    expect(failed.attempts, 'no second run').toBe(1);
    expect(failed.result?.errorClass).toBe('budget');
    expect(failed.lastError).toContain('money budget reached');
    expect(failed.result?.costUsd ?? 0).toBeGreaterThanOrEqual(BUDGET_USD);
    // Stopped at the turn that crossed the line: no answer after it was asked for.
    const requests = requestsOf('spends').length;
    expect(requests).toBeLessThan(12);
    const budgetLines = progress.filter((p) => p.missionId === added.id && p.kind === 'budget');
    expect(budgetLines).toHaveLength(1);
    // Its work is kept: committed on the mission's branch in the project's repository, not pushed.
    const branch = /kept on branch (\S+) at/.exec(failed.lastError ?? '')?.[1];
    expect(branch, failed.lastError).toBeDefined();
    const files = gitIn(world.clone, 'show', '--name-only', '--format=', branch!).split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThanOrEqual(requests - 2);
    expect(files).toContain('step-0.txt');
    expect(world.remoteBranches()).not.toContain(branch);
  });
});
