// `mission list` end to end with a real tree from dist/: the JSON reaches a pipe whole (well past
// the 64 KiB a pipe takes before the writer must wait), and a bad record written straight into
// the bucket is listed as invalid while missions.md and the list keep working.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMission, startMissionsTree } from '../harness/missionClient.js';
import type { ListReply } from '../../src/missions/service.js';
import { mainScript } from '../../src/paths.js';
import { sleep, type TestTree } from '../harness/tree.js';

let tree: TestTree;

beforeAll(async () => {
  tree = await startMissionsTree(['app']);
  // 30 missions of ~3 000 characters: ~100 KB of JSON.
  for (let i = 0; i < 30; i++) {
    await addMission(tree, `mission ${i} ${'lorem ipsum '.repeat(250)}`, 'cli');
  }
});

afterAll(async () => {
  await tree?.stop();
});

/** Runs the CLI through a shell, as an operator would; stdout goes wherever the command line says. */
function shell(command: string): string {
  return execFileSync('sh', ['-c', command], {
    encoding: 'utf8',
    env: {
      ...process.env,
      ROSHI_LOG__PRETTY: 'never',
      ROSHI: `${process.execPath} ${mainScript()}`,
      CONFIG: tree.configFile,
    },
  });
}

describe('mission list output', () => {
  it('--json through a pipe is as long as the same output written to a file, and whole', async () => {
    const file = join(tree.stateDir, 'list.json');
    shell(`$ROSHI mission list --json --config "$CONFIG" > "${file}"`);
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(64 * 1024);
    const piped = Number(shell(`$ROSHI mission list --json --config "$CONFIG" | wc -c`).trim());
    expect(piped).toBe(size);
    // execa reads stdout through a pipe too: the JSON parses, with every mission in it.
    const result = await tree.cli(['mission', 'list', '--json']);
    const reply = JSON.parse(result.stdout) as ListReply;
    expect(reply.missions).toHaveLength(30);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(reply);
  });

  it('a bad record in the bucket is listed as invalid; the list and missions.md keep working', async () => {
    const kv = await tree.bus.nc.jetstream().views.kv(tree.bus.subjects.missionsBucket);
    await kv.put(
      'mfx0000bad1',
      new TextEncoder().encode(JSON.stringify({ id: 'mfx0000bad1', status: 'pending', order: 0 })),
    );
    let table = '';
    const deadline = Date.now() + 10_000;
    while (!/INVALID/.test(table) && Date.now() < deadline) {
      table = (await tree.cli(['mission', 'list'])).stdout;
      await sleep(100);
    }
    expect(table).toMatch(/^ID\s+STATUS/);
    expect(table).toMatch(/mission 29 lorem/);
    expect(table).toMatch(
      /1 invalid record in the store \(quarantined: fix or delete the key\):\n\s+mfx0000bad1\s+INVALID\s+field "text" is missing, expected a string/,
    );
    const json = JSON.parse((await tree.cli(['mission', 'list', '--json'])).stdout) as ListReply;
    expect(json.invalid).toEqual([
      { id: 'mfx0000bad1', revision: expect.any(Number), reason: 'field "text" is missing, expected a string' },
    ]);
    const show = await tree.cli(['mission', 'show', 'mfx0000bad1']);
    expect(show.exitCode).toBe(1);
    expect(show.stderr).toMatch(/mission mfx0000bad1 is an invalid record in the store \(field "text" is missing/);
    // missions.md is rendered again after the bad record arrived, with every good mission.
    await addMission(tree, 'one more after the bad record', 'cli');
    const missionsFile = join(tree.stateDir, 'missions.md');
    const deadline2 = Date.now() + 10_000;
    while (!readFileSync(missionsFile, 'utf8').includes('one more after the bad record') && Date.now() < deadline2)
      await sleep(100);
    expect(readFileSync(missionsFile, 'utf8')).toMatch(/one more after the bad record/);
    expect(tree.log('missions')).toMatch(/quarantined a mission record that does not validate/);
  });
});
