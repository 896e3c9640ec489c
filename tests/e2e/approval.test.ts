// Approval gates end to end (docs/missions.md#approval): a tree from dist/ with the real Claude
// Code CLI against the scripted API and a local bare remote, approval: push. A finished mission
// is held before the push and asks on the console; nothing reaches the remote until /approve
// (then the branch does, with no second agent run); /reject pushes nothing and can queue a
// follow-up; an approval pending across a supervisor restart is still pending and can be approved.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { writeFileStep } from '../fakes/anthropic.js';
import { ConsoleLines } from '../harness/bridgeConsole.js';
import { addMission, getMission, untilMission } from '../harness/missionClient.js';
import { createMissionWorld, gitIn, type MissionWorld } from '../harness/missionWorld.js';
import { deepMerge, TestTree } from '../harness/tree.js';

let world: MissionWorld;
let tree: TestTree;
let consoleLines: ConsoleLines;
/** Agent runs answered to the end (the last turn), by scenario. */
const completeRuns = new Map<string, number>();

const say = (text: string) =>
  tree.bus.nc.publish(tree.bus.subjects.bridgeIn, new TextEncoder().encode(JSON.stringify({ text })));
const held = (m: Mission) => m.status === 'awaiting_approval';
const onRemote = (branch: string) => world.remoteBranches().includes(branch);

/** The scenario's agent writes `<key>.txt`; a run counts as complete when its last turn is answered. */
function countedWriter(key: string): void {
  world.scenarios.set(key, ({ toolResults }) => {
    if (toolResults > 0) completeRuns.set(key, (completeRuns.get(key) ?? 0) + 1);
    return writeFileStep(`${key}.txt`, key, toolResults);
  });
}

async function startTree(stateDir?: string): Promise<void> {
  const config = deepMerge(world.config(), {
    projects: { app: { approval: 'push' } },
    actors: { bridge: { enabled: true } },
    bridge: { providers: ['console'], allowedUsers: ['console:operator'] },
  });
  tree = await TestTree.start({ config, env: world.env, ...(stateDir ? { stateDir } : {}) });
  await tree.waitForRunning(['missions', 'runner-1', 'bridge'], 60_000);
  consoleLines = new ConsoleLines(() => `--- tree (tail) ---\n${tree.output().slice(-3000)}`);
  await consoleLines.listen(tree);
}

/** Adds a mission and waits until it is held for approval; returns it and its ask on the console. */
async function heldMission(key: string): Promise<{ mission: Mission; ask: string }> {
  countedWriter(key);
  const from = consoleLines.lines.length;
  const added = await addMission(tree, `write ${key}.txt {{${key}}}`);
  const mission = await untilMission(tree, added.id, held, 90_000, 'held for approval');
  const ask = await consoleLines.waitFor((l) => l.text.includes(`/approve ${added.id}`), 20_000, 'the ask', from);
  return { mission, ask: ask.text };
}

beforeAll(async () => {
  world = await createMissionWorld();
  await startTree();
}, 120_000);

afterAll(async () => {
  await tree?.stop();
  await world?.stop();
});

describe('approval: push', () => {
  it('holds the work before the push and asks; /approve pushes it without running the agent again', async () => {
    const { mission, ask } = await heldMission('approved');
    const branch = mission.result!.branch!;
    expect(ask).toContain('1 file changed (approved.txt), +1 −0 lines in 1 commit');
    expect(ask).toContain('cost $');
    expect(mission.approval).toMatchObject({ gate: 'push', state: 'pending' });
    expect(mission.lease).toBeUndefined();
    expect(mission.result?.steps?.find((s) => s.step === 'push')?.detail).toContain('held for approval');
    expect(onRemote(branch), 'nothing pushed before /approve').toBe(false);

    // Listed where an operator looks: /status, mission list, missions.md.
    const from = consoleLines.lines.length;
    say('/status');
    const status = await consoleLines.waitFor((l) => l.text.includes('awaiting approval'), 20_000, '/status', from);
    expect(status.text).toContain(mission.id);
    const list = await tree.cli(['mission', 'list', 'awaiting_approval']);
    expect(list.stdout).toContain(mission.id);
    const file = join(tree.stateDir, 'missions.md');
    const shown = () => existsSync(file) && readFileSync(file, 'utf8').includes(`✋ push ${mission.id}`);
    await untilMission(tree, mission.id, shown, 10_000, 'listed in missions.md');
    expect(readFileSync(file, 'utf8')).toContain('## Awaiting Approval');

    say(`/approve ${mission.id}`);
    const done = await untilMission(tree, mission.id, (m) => m.status === 'done', 90_000, 'delivered');
    expect(done.approval).toMatchObject({ state: 'approved', by: 'console:operator' });
    expect(onRemote(branch), 'the branch is on the remote after /approve').toBe(true);
    expect(gitIn(world.dir, '--git-dir', world.bare, 'show', `${branch}:approved.txt`)).toBe('approved');
    expect(done.result?.prUrl).toBeDefined();
    expect(completeRuns.get('approved'), 'the agent ran once').toBe(1);
  }, 240_000);

  it('/reject pushes nothing, ends the mission cancelled, and a reason queues a follow-up with it', async () => {
    const { mission } = await heldMission('rejected');
    const branch = mission.result!.branch!;
    const from = consoleLines.lines.length;
    say(`/reject ${mission.id} use a better name`);
    const reply = await consoleLines.waitFor(
      (l) => l.text.includes('rejected: nothing pushed'),
      20_000,
      '/reject',
      from,
    );
    const followUpId = /follow-up (\S+) queued/.exec(reply.text)?.[1];
    expect(followUpId).toBeDefined();
    const rejected = await getMission(tree, mission.id);
    expect(rejected.status).toBe('cancelled');
    expect(rejected.approval).toMatchObject({ state: 'rejected', reason: 'use a better name', followUp: followUpId });
    expect(onRemote(branch), 'nothing pushed after /reject').toBe(false);
    expect(existsSync(join(tree.stateDir, 'workspace', 'worktrees', mission.id)), 'the held worktree is removed').toBe(
      false,
    );
    const followUp = await getMission(tree, followUpId!);
    expect(followUp.text).toBe(mission.text);
    expect(followUp.context).toContain('use a better name');
    await tree.cli(['mission', 'cancel', followUpId!]);
  }, 240_000);

  it('an approval pending across a supervisor restart is still pending and can be approved', async () => {
    const { mission } = await heldMission('restarted');
    const branch = mission.result!.branch!;
    const stateDir = tree.stateDir;
    await tree.stop('SIGTERM', { keepStateDir: true });
    await startTree(stateDir);

    const after = await getMission(tree, mission.id);
    expect(after.status).toBe('awaiting_approval');
    expect(after.approval?.state).toBe('pending');
    expect(onRemote(branch)).toBe(false);

    const approved = await tree.cli(['mission', 'approve', mission.id]);
    expect(approved.exitCode, approved.stderr).toBe(0);
    await untilMission(tree, mission.id, (m) => m.status === 'done', 90_000, 'delivered after the restart');
    expect(gitIn(world.dir, '--git-dir', world.bare, 'show', `${branch}:restarted.txt`)).toBe('restarted');
    expect(completeRuns.get('restarted'), 'the agent ran once').toBe(1);
  }, 300_000);
});
