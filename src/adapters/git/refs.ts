// Reading refs and remotes: whether a ref resolves, what a remote's URL is, a rev's commit.
import { git } from './run.js';

/** Whether a ref (e.g. `refs/remotes/origin/main`) resolves to a commit. */
export async function refExists(cwd: string, ref: string): Promise<boolean> {
  const r = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd, okExitCodes: [0, 1] });
  return r.exitCode === 0;
}

export async function remoteBranchExists(cwd: string, remote: string, branch: string): Promise<boolean> {
  return refExists(cwd, `refs/remotes/${remote}/${branch}`);
}

/**
 * A remote's URL: `git remote get-url` (url.*.insteadOf applied), or with `raw` the value as
 * configured in remote.<name>.url. Undefined when the remote does not exist.
 */
export async function remoteUrl(
  cwd: string,
  remote: string,
  options: { raw?: boolean } = {},
): Promise<string | undefined> {
  const args = options.raw ? ['config', '--get-all', `remote.${remote}.url`] : ['remote', 'get-url', remote];
  const r = await git(args, { cwd, okExitCodes: [0, 1, 2, 128] });
  const first = r.stdout.split('\n')[0]?.trim() ?? '';
  return r.exitCode === 0 && first !== '' ? first : undefined;
}

export async function revParse(cwd: string, rev: string): Promise<string> {
  return (await git(['rev-parse', '--verify', `${rev}^{commit}`], { cwd })).stdout.trim();
}
