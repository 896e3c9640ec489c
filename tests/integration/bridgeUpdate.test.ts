// /update against real git and npm: the new version is prepared in <stateDir>/releases/<id>
// (pull, install, build there), then the `current` link switches to it; the live checkout is never
// touched. Up to date skips the build; a pull that cannot fast-forward or a failing build is
// reported and leaves the link where it was.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUpdate, type UpdateOptions } from '../../src/bridge/update.js';
import { gitIn } from '../harness/missionWorld.js';

let dir: string;
let upstream: string;
let installed: string;
let stateDir: string;
const link = () => join(stateDir, 'current');

const pkg = (build: string, dependencies?: Record<string, string>) =>
  JSON.stringify(
    {
      name: 'fake-roshi',
      version: '0.0.0',
      private: true,
      scripts: { build },
      ...(dependencies ? { dependencies } : {}),
    },
    null,
    2,
  );

const BUILD_VERSION = `node -e "require('fs').writeFileSync('built.txt', require('fs').readFileSync('version.txt'))"`;

function commit(repo: string, file: string, content: string, message: string): void {
  writeFileSync(join(repo, file), content);
  gitIn(repo, 'add', '-A');
  gitIn(repo, 'commit', '-m', message);
}

/** Runs /update on the installed copy, keeping each line it reports. */
async function update(options: Pick<UpdateOptions, 'env' | 'force'> = {}) {
  const lines: string[] = [];
  const result = await runUpdate({ cwd: installed, stateDir, report: async (l) => void lines.push(l), ...options });
  return { result, lines };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-update-'));
  const bare = join(dir, 'remote.git');
  upstream = join(dir, 'upstream');
  installed = join(dir, 'installed');
  stateDir = join(dir, 'state');
  gitIn(dir, 'init', '--bare', '--initial-branch=main', bare);
  gitIn(dir, 'clone', bare, upstream);
  commit(upstream, 'package.json', pkg(BUILD_VERSION), 'initial');
  commit(upstream, 'version.txt', '1', 'v1');
  gitIn(upstream, 'push', 'origin', 'HEAD:main');
  gitIn(dir, 'clone', bare, installed);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runUpdate', () => {
  it('pulls and builds, reporting each step', async () => {
    commit(upstream, 'version.txt', '2', 'v2');
    gitIn(upstream, 'push', 'origin', 'HEAD:main');
    const { result, lines } = await update({ env: { GIT_CONFIG_GLOBAL: '/dev/null' } });
    expect(result).toMatchObject({ ok: true, built: true });
    expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
      ['git pull', true],
      ['build', true],
      ['switch', true],
    ]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^✅ git pull/);
    expect(lines[1]).toMatch(/^✅ npm run build /);
    expect(lines[2]).toMatch(/^✅ switched to release .*supervisor restarts each actor/);
    // Built beside the live install, which is left as it was.
    const release = result.release!;
    expect(release.startsWith(join(stateDir, 'releases'))).toBe(true);
    expect(readFileSync(join(release, 'built.txt'), 'utf8')).toBe('2');
    expect(existsSync(join(installed, 'built.txt'))).toBe(false);
    expect(readFileSync(join(installed, 'version.txt'), 'utf8')).toBe('1');
    expect(readlinkSync(link())).toBe(release);
  }, 120_000);

  it('runs npm ci before the build when the pull changed package-lock.json', async () => {
    // One local dependency, so that npm ci has something to put in node_modules.
    const lock = {
      name: 'fake-roshi',
      version: '0.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'fake-roshi', version: '0.0.0', dependencies: { dep: 'file:dep' } },
        dep: { version: '1.0.0' },
        'node_modules/dep': { resolved: 'dep', link: true },
      },
    };
    mkdirSync(join(upstream, 'dep'), { recursive: true });
    commit(upstream, 'dep/package.json', JSON.stringify({ name: 'dep', version: '1.0.0' }), 'dep');
    commit(upstream, 'package.json', pkg(BUILD_VERSION, { dep: 'file:dep' }), 'depend on dep');
    commit(upstream, 'package-lock.json', JSON.stringify(lock, null, 2), 'lock file');
    gitIn(upstream, 'push', 'origin', 'HEAD:main');
    const { result, lines } = await update({ env: { GIT_CONFIG_GLOBAL: '/dev/null' } });
    expect(result).toMatchObject({ ok: true, built: true });
    expect(result.steps.map((s) => s.step)).toEqual(['git pull', 'npm ci', 'build', 'switch']);
    expect(lines[1]).toMatch(/^✅ npm ci .*dependencies updated/);
    // npm ci ran in the new release, never in the live install.
    expect(existsSync(join(result.release!, 'node_modules', 'dep', 'package.json'))).toBe(true);
    expect(existsSync(join(installed, 'node_modules'))).toBe(false);
    expect(readlinkSync(link())).toBe(result.release);
  }, 120_000);

  it('skips the build when there is nothing to pull, unless forced', async () => {
    const before = readlinkSync(link());
    const { result: skipped, lines } = await update();
    expect(skipped).toMatchObject({ ok: true, built: false });
    expect(lines[1]).toMatch(/Already up to date: build skipped/);
    expect(readlinkSync(link())).toBe(before);
    const { result: forced } = await update({ force: true });
    expect(forced).toMatchObject({ ok: true, built: true });
    // The lock file did not change: the live release's modules are reused, npm ci does not run.
    expect(forced.steps.map((s) => s.step)).toEqual(['git pull', 'build', 'switch']);
    expect(existsSync(join(forced.release!, 'node_modules', 'dep', 'package.json'))).toBe(true);
    expect(readlinkSync(link())).toBe(forced.release);
    expect(forced.release).not.toBe(before);
  }, 120_000);

  it('stops at a pull that cannot fast-forward, and says why', async () => {
    commit(installed, 'local.txt', 'mine', 'local change');
    commit(upstream, 'version.txt', '3', 'v3');
    gitIn(upstream, 'push', 'origin', 'HEAD:main');
    const before = readlinkSync(link());
    const { result, lines } = await update();
    expect(result).toMatchObject({ ok: false, built: false });
    expect(result.steps).toHaveLength(1);
    expect(readlinkSync(link())).toBe(before);
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
    const before = readlinkSync(link());
    const { result, lines } = await update();
    expect(result).toMatchObject({ ok: false, built: false });
    expect(readlinkSync(link())).toBe(before);
    expect(lines[1]).toMatch(/^❌ npm run build failed: exit code 2/);
    expect(lines[1]).toContain('type error in x.ts');
    expect(lines[1]).toContain('keeps the previous build');
  }, 120_000);
});
