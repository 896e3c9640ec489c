// Git as a person runs it in the integration tests that seed real repositories: a fixed "Seed"
// identity through the environment, so commits made here never depend on the machine's config.
import { execFileSync } from 'node:child_process';

/** The author and committer of every commit the tests make themselves (not the adapter's). */
export const SEED_IDENTITY = {
  GIT_AUTHOR_NAME: 'Seed',
  GIT_AUTHOR_EMAIL: 'seed@example.test',
  GIT_COMMITTER_NAME: 'Seed',
  GIT_COMMITTER_EMAIL: 'seed@example.test',
};

/** Runs `git args…` in `cwd` as Seed; returns its trimmed stdout and throws when git fails. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...SEED_IDENTITY },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}
