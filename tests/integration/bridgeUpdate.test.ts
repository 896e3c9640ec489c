// /update against real git and npm: pull, build, each step reported; up to date skips the
// build; a pull that cannot fast-forward or a failing build is reported and stops there.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../src/bridge/update.js';
import { gitIn } from '../harness/missionWorld.js';

let dir: string;
let upstream: string;
let installed: string;

const pkg = (build: string) =>
  JSON.stringify({ name: 'fake-roshi', version: '0.0.0', private: true, scripts: { build } }, null, 2);

function commit(repo: string, file: string, content: string, message: string): void {
  writeFileSync(join(repo, file), content);
  gitIn(repo, 'add', '-A');
  gitIn(repo, 'commit', '-m', message);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-update-'));
  const bare = join(dir, 'remote.git');
  upstream = join(dir, 'upstream');
  installed = join(dir, 'installed');
  gitIn(dir, 'init', '--bare', '--initial-branch=main', bare);
  gitIn(dir, 'clone', bare, upstream);
  commit(
    upstream,
    'package.json',
    pkg(`node -e "require('fs').writeFileSync('built.txt', require('fs').readFileSync('version.txt'))"`),
    'initial',
  );
  commit(upstream, 'version.txt', '1', 'v1');
  gitIn(upstream, 'push', 'origin', 'HEAD:main');
  gitIn(dir, 'clone', bare, installed);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runUpdate', () => {
  it('pulls and builds, reporting each step', async () => {
    commit(upstream, 'version.txt', '2', 'v2');
    gitIn(upstream, 'push', 'origin', 'HEAD:main');
    const lines: string[] = [];
    const result = await runUpdate({
      cwd: installed,
      report: async (l) => void lines.push(l),
      env: { GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    expect(result).toMatchObject({ ok: true, built: true });
    expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
      ['git pull', true],
      ['build', true],
    ]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^✅ git pull/);
    expect(lines[1]).toMatch(/^✅ npm run build .*supervisor restarts each actor/);
    expect(existsSync(join(installed, 'built.txt'))).toBe(true);
  }, 120_000);

  it('runs npm ci before the build when the pull changed package-lock.json', async () => {
    const lock = {
      name: 'fake-roshi',
      version: '0.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'fake-roshi', version: '0.0.0' } },
    };
    commit(upstream, 'package-lock.json', JSON.stringify(lock, null, 2), 'lock file');
    gitIn(upstream, 'push', 'origin', 'HEAD:main');
    const lines: string[] = [];
    const result = await runUpdate({
      cwd: installed,
      report: async (l) => void lines.push(l),
      env: { GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    expect(result).toMatchObject({ ok: true, built: true });
    expect(result.steps.map((s) => s.step)).toEqual(['git pull', 'npm ci', 'build']);
    expect(lines[1]).toMatch(/^✅ npm ci .*dependencies updated/);
  }, 120_000);

  it('skips the build when there is nothing to pull, unless forced', async () => {
    const lines: string[] = [];
    const skipped = await runUpdate({ cwd: installed, report: async (l) => void lines.push(l) });
    expect(skipped).toMatchObject({ ok: true, built: false });
    expect(lines[1]).toMatch(/Already up to date: build skipped/);
    const forced = await runUpdate({ cwd: installed, report: async () => {}, force: true });
    expect(forced).toMatchObject({ ok: true, built: true });
  }, 120_000);

  it('stops at a pull that cannot fast-forward, and says why', async () => {
    commit(installed, 'local.txt', 'mine', 'local change');
    commit(upstream, 'version.txt', '3', 'v3');
    gitIn(upstream, 'push', 'origin', 'HEAD:main');
    const lines: string[] = [];
    const result = await runUpdate({ cwd: installed, report: async (l) => void lines.push(l) });
    expect(result).toMatchObject({ ok: false, built: false });
    expect(result.steps).toHaveLength(1);
    expect(lines[0]).toMatch(/^❌ git pull failed: exit code \d+/);
    expect(lines[0]).toMatch(/Nothing was built/);
    gitIn(installed, 'reset', '--hard', 'origin/main');
  }, 120_000);

  it('reports a failing build with the tail of its output', async () => {
    commit(
      upstream,
      'package.json',
      pkg(`node -e "console.error('type error in x.ts'); process.exit(2)"`),
      'broken build',
    );
    gitIn(upstream, 'push', 'origin', 'HEAD:main');
    const lines: string[] = [];
    const result = await runUpdate({ cwd: installed, report: async (l) => void lines.push(l) });
    expect(result).toMatchObject({ ok: false, built: false });
    expect(lines[1]).toMatch(/^❌ npm run build failed: exit code 2/);
    expect(lines[1]).toContain('type error in x.ts');
    expect(lines[1]).toContain('keeps the previous build');
  }, 120_000);
});
