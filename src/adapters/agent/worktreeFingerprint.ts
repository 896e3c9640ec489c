// A cheap fingerprint of a worktree for the stall rules: HEAD, `git status --porcelain` and the
// diff against HEAD, plus size and mtime of untracked files, hashed. Any edit, new file or
// commit changes it. Undefined when the directory is not a git worktree.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

const GIT_TIMEOUT_MS = 10_000;

export async function worktreeFingerprint(cwd: string): Promise<string | undefined> {
  const git = (...args: string[]) =>
    execa('git', args, { cwd, reject: false, timeout: GIT_TIMEOUT_MS, stripFinalNewline: false });
  const [head, status, diff] = await Promise.all([
    git('rev-parse', '--verify', '-q', 'HEAD'),
    git('status', '--porcelain=v1', '-z', '--untracked-files=all'),
    git('diff', 'HEAD', '--no-color', '--no-ext-diff'),
  ]);
  if (status.exitCode !== 0) return undefined;
  const hash = createHash('sha256');
  hash.update(String(head.stdout)).update('\0').update(String(status.stdout)).update('\0').update(String(diff.stdout));
  for (const entry of String(status.stdout).split('\0')) {
    if (!entry.startsWith('?? ')) continue;
    try {
      const st = statSync(join(cwd, entry.slice(3)));
      hash.update(`${entry}:${st.size}:${st.mtimeMs}`);
    } catch {
      // gone since git listed it: the next fingerprint sees that
    }
  }
  return hash.digest('hex');
}
