// A project's origin on the local disk, standing in for its GitHub remote: a bare repository
// whose main branch holds one commit (README.md "# app"). The e2e tests' and the benchmarks'
// mission worlds both start from it, each with its own git identity in `env`.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `git <args>` in `cwd` with `env` over this process's environment; its trimmed stdout. */
export function gitWith(env: Record<string, string>, cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
}

/** Creates <dir>/remote.git (seeded through <dir>/seed) and returns its path. */
export function createSeededRemote(dir: string, env: Record<string, string>): string {
  const bare = join(dir, 'remote.git');
  const seed = join(dir, 'seed');
  const git = (cwd: string, ...args: string[]) => gitWith(env, cwd, ...args);
  git(dir, 'init', '-q', '--bare', '--initial-branch=main', bare);
  git(dir, 'init', '-q', '--initial-branch=main', seed);
  writeFileSync(join(seed, 'README.md'), '# app\n');
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'initial');
  git(seed, 'remote', 'add', 'origin', bare);
  git(seed, 'push', '-q', 'origin', 'main');
  return bare;
}
