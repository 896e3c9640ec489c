// `roshi mission …` end to end: the real supervisor from dist/ with its missions actor, the
// CLI as an operator runs it, and missions.md on disk. No runners, so missions stay pending.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMissionsTree } from '../harness/missionClient.js';
import type { Mission } from '../../src/contracts/index.js';
import { parseMissionsFile } from '../../src/missions/pendingImport.js';
import type { TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

let tree: TestTree;

beforeAll(async () => {
  tree = await startMissionsTree(['app', 'lib']);
});

afterAll(async () => {
  await tree?.stop();
});

async function roshi(...args: string[]) {
  return tree.cli(args);
}

const missionsFile = () => join(tree.stateDir, 'missions.md');
const readPending = () => {
  try {
    return parseMissionsFile(readFileSync(missionsFile(), 'utf8')).Pending;
  } catch {
    return [];
  }
};

describe('mission CLI', () => {
  let first = '';

  it('mission add prints only the id', async () => {
    const result = await roshi('mission', 'add', '/rebase https://github.com/o/r/pull/42', '--project', 'lib');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^[0-9a-z]{11}$/);
    first = result.stdout;
    const urgent = await roshi('mission', 'add', 'fix the flaky login test', '--now');
    expect(urgent.stdout).toMatch(/^[0-9a-z]{11}$/);
  });

  it('a duplicate is refused with the id it duplicates (exit 1)', async () => {
    const result = await roshi('mission', 'add', '[project:lib] /rebase https://github.com/o/r/pull/42');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`roshi: already queued as ${first} (pending)\n`.trimEnd());
  });

  it('an unknown project names the configured ones', async () => {
    const result = await roshi('mission', 'add', 'x', '--project', 'web');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/unknown project "web"; configured: app, lib/);
  });

  it('mission list shows a table in queue order, and JSON with --json', async () => {
    const table = await roshi('mission', 'list');
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+PROJECT\s+KIND\s+TEXT\s+ATTEMPTS$/);
    expect(lines[1]).toMatch(/^[0-9a-z]{11}\s+pending\s+app\s+free\s+fix the flaky login test\s+0\/3$/);
    expect(lines[2]).toMatch(
      new RegExp(`^${first}\\s+pending\\s+lib\\s+rebase\\s+/rebase https://github.com/o/r/pull/42\\s+0/3$`),
    );
    expect(lines.at(-1)).toBe('2 pending');
    const json = JSON.parse((await roshi('mission', 'list', '--json')).stdout) as {
      missions: Mission[];
      total: number;
    };
    expect(json.total).toBe(2);
    expect(json.missions[1]).toMatchObject({
      id: first,
      source: 'cli',
      by: 'cli',
      kind: 'rebase',
      url: 'https://github.com/o/r/pull/42',
    });
  });

  it('mission show accepts a prefix; --json gives the record', async () => {
    const text = await roshi('mission', 'show', first.slice(0, 10));
    expect(text.stdout).toMatch(new RegExp(`^id\\s+${first}$`, 'm'));
    expect(text.stdout).toMatch(/^url\s+https:\/\/github\.com\/o\/r\/pull\/42$/m);
    expect(text.stdout).toMatch(/^attempts\s+0\/3$/m);
    const json = JSON.parse((await roshi('mission', 'show', first, '--json')).stdout) as Mission;
    expect(json).toMatchObject({ id: first, status: 'pending', project: 'lib' });
    const missing = await roshi('mission', 'show', 'zzzzzz');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/no mission "zzzzzz"/);
  });

  it('missions.md lists the pending missions, and a line added under Pending becomes a mission', async () => {
    await until(() => readPending().length === 2, 'two pending lines in missions.md');
    expect(readPending()[1]).toMatch(/^- \[project:lib\] \/rebase https:\/\/github\.com\/o\/r\/pull\/42 ⏳@ /);
    writeFileSync(
      missionsFile(),
      readFileSync(missionsFile(), 'utf8').replace('## Pending\n', '## Pending\n- [project:app] write the changelog\n'),
    );
    await until(
      () => readPending().some((l) => /write the changelog ⏳/.test(l)),
      'the imported line rendered with its stamp',
      { timeoutMs: 15_000 },
    );
    const json = JSON.parse((await roshi('mission', 'list', 'pending', '--json')).stdout) as { missions: Mission[] };
    expect(json.missions.find((m) => m.text === 'write the changelog')).toMatchObject({
      source: 'file',
      project: 'app',
    });
  });

  it('mission priority and mission cancel', async () => {
    const moved = await roshi('mission', 'priority', first, 'top');
    expect(moved.stdout).toBe(`${first} moved to the top of the queue`);
    const list = JSON.parse((await roshi('mission', 'list', '--json')).stdout) as { missions: Mission[] };
    expect(list.missions[0]?.id).toBe(first);
    const cancelled = await roshi('mission', 'cancel', first);
    expect(cancelled.stdout).toBe(`${first} cancelled`);
    const again = await roshi('mission', 'cancel', first);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/it is cancelled, and cancel needs pending or running/);
    await until(() => !readPending().some((l) => l.includes('pull/42')), 'the cancelled mission gone from Pending');
  });

  it('usage errors exit 64', async () => {
    expect((await roshi('mission')).exitCode).toBe(64);
    expect((await roshi('mission', 'add')).exitCode).toBe(64);
    expect((await roshi('mission', 'show')).exitCode).toBe(64);
    expect((await roshi('mission', 'list', 'weird')).exitCode).toBe(64);
  });
});
