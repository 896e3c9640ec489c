// The state dir is private: after a real tree has started and run a mission, nothing under it is
// open to group or others — the dir itself 0700 (tightened from 0755 with a warning), roshi's
// files 0600 (nats.url, supervisor.pid, the journal, the logs, missions.md), the worktree the
// agent worked in too (recorded by the agent itself, since the worktree is removed afterwards).
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMission, waitForMission } from '../harness/missionClient.js';
import { createMissionWorld, type MissionWorld } from '../harness/missionWorld.js';
import { TestTree } from '../harness/tree.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Every path under `dir` with its mode, links skipped (their mode means nothing). */
function walk(dir: string, out: Array<{ path: string; mode: number }> = []): Array<{ path: string; mode: number }> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink() || stat.isSocket()) continue;
    out.push({ path, mode: stat.mode & 0o777 });
    if (stat.isDirectory()) walk(path, out);
  }
  return out;
}

describe('a started tree keeps its state dir private', () => {
  let world: MissionWorld;
  let tree: TestTree;
  let stateDir: string;
  const modesFile = () => join(world.dir, 'worktree-modes.txt');

  beforeAll(async () => {
    world = await createMissionWorld();
    // An older roshi left the state dir world-readable.
    stateDir = mkdtempSync(join(tmpdir(), 'roshi-tree-'));
    chmodSync(stateDir, 0o755);
    tree = await TestTree.start({ stateDir, config: world.config(), env: world.env });
    await tree.waitForRunning(['watchdog', 'missions', 'runner-1']);
  });
  afterAll(async () => {
    await tree?.stop();
    await world?.stop();
  });

  it('runs a mission whose agent records the modes in its worktree', async () => {
    world.scenarios.set('modes-1', ({ toolResults }) =>
      toolResults === 0
        ? {
            toolUse: {
              name: 'Bash',
              input: {
                command: `printf x > made.txt && stat -c '%a %n' . README.md made.txt .git > ${modesFile()}`,
                description: 'record modes',
              },
            },
          }
        : { text: 'Recorded.' },
    );
    const mission = await addMission(tree, 'record the modes {{modes-1}}');
    const last = await waitForMission(tree, mission.id, (m) => ['done', 'failed', 'cancelled'].includes(m.status));
    expect(last?.status, last?.lastError).toBe('done');
    const lines = readFileSync(modesFile(), 'utf8').trim().split('\n');
    // The worktree dir, a file git checked out, a file the agent wrote, the worktree's .git link file.
    expect(lines).toEqual(['700 .', '600 README.md', '600 made.txt', '600 .git']);
  });

  it("the state dir is 0700 (tightened, with a warning) and roshi's files in it are 0600", async () => {
    expect(mode(stateDir)).toBe('700');
    expect(tree.log('supervisor')).toMatch(/the state dir was open to other users; tightened it to 0700/);
    // missions.md is written after the first render; the journal after the first supervision entry.
    for (const file of [
      'nats.url',
      'supervisor.pid',
      'journal.jsonl',
      'missions.md',
      'missions.last.md',
      'logs/supervisor.log',
      'logs/runner-1.log',
      'logs/missions.log',
    ]) {
      expect([file, mode(join(stateDir, file))]).toEqual([file, '600']);
    }
    for (const dir of ['logs', 'nats', 'workspace']) expect([dir, mode(join(stateDir, dir))]).toEqual([dir, '700']);
    // Nothing anywhere below (the nats store, repos, run logs, usage) is open to group or others;
    // the harness's own config file is written by the test, not by roshi.
    const open = walk(stateDir).filter((e) => (e.mode & 0o077) !== 0 && relative(stateDir, e.path) !== 'test.yaml');
    expect(open.map((e) => `${e.mode.toString(8)} ${relative(stateDir, e.path)}`)).toEqual([]);
  });
});
