// Branches (refs) on GitHub: listing roshi's own, deleting merged ones, and the status checks a
// base branch requires (protection and rulesets). Paths with a branch
// name in them are built with the branch's '/' kept as is and every segment URL-encoded:
// `/git/refs/heads/roshi/fix-x`, the form GitHub documents, rather than octokit's `{ref}`
// expansion, which would send `heads%2Froshi%2Ffix-x`.
import { statusOf } from './errors.js';
import { repoRequest } from './listings.js';
import { CALL_TIMEOUT_MS, call, splitRepo, transportOf } from './transport.js';
import type { GitHubClient } from './types.js';

/** `heads/roshi/x` → `heads/roshi/x` with each segment URL-encoded, slashes kept. */
export function encodeRefPath(ref: string): string {
  return ref
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
}

/**
 * Branches under `<prefix>/` with their tips: GET /repos/{o}/{r}/git/matching-refs/heads/<prefix>
 * (every page), filtered to `refs/heads/<prefix>/…` so `roshi-old/x` is not taken for `roshi/x`.
 */
export async function branchesUnder(
  github: GitHubClient,
  repo: string,
  prefix: string,
): Promise<Array<{ branch: string; sha: string }>> {
  const t = transportOf(github);
  const { owner, name } = splitRepo(repo);
  const clean = prefix.replace(/\/+$/, '');
  const route = `GET /repos/${repo}/git/matching-refs/heads/${clean}`;
  const refs = await call(route, () =>
    t.octokit.paginate(`GET /repos/{owner}/{repo}/git/matching-refs/heads/${encodeRefPath(clean)}`, {
      owner,
      repo: name,
      per_page: 100,
      request: t.request(CALL_TIMEOUT_MS),
    }),
  );
  const head = `refs/heads/${clean}/`;
  return (refs as Array<{ ref: string; object: { sha: string } }>)
    .filter((r) => r.ref.startsWith(head))
    .map((r) => ({ branch: r.ref.slice('refs/heads/'.length), sha: r.object.sha }));
}

/** DELETE /repos/{o}/{r}/git/refs/heads/<branch>: 'deleted', or 'missing' when it was already gone (422). */
export async function deleteBranch(github: GitHubClient, repo: string, branch: string): Promise<'deleted' | 'missing'> {
  const t = transportOf(github);
  const { owner, name } = splitRepo(repo);
  try {
    await call(`DELETE /repos/${repo}/git/refs/heads/${branch}`, () =>
      t.octokit.request(`DELETE /repos/{owner}/{repo}/git/refs/heads/${encodeRefPath(branch)}`, {
        owner,
        repo: name,
        request: t.request(CALL_TIMEOUT_MS),
      }),
    );
    return 'deleted';
  } catch (error) {
    if (statusOf(error) === 422) return 'missing'; // "Reference does not exist"
    throw error;
  }
}

/**
 * The status checks required to merge into `branch`: branch protection's required_status_checks
 * contexts (404 when not protected; 403/404 without admin access) and the rulesets'
 * `required_status_checks` rules (readable with read access), by name. undefined when neither
 * could be read: then every check counts. docs/github.md#ci
 */
export async function requiredStatusChecks(
  github: GitHubClient,
  repo: string,
  branch: string,
): Promise<string[] | undefined> {
  const names = new Set<string>();
  let readable = false;
  try {
    const data = await repoRequest(
      github,
      repo,
      'GET /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks',
      { branch },
    );
    readable = true;
    for (const context of data.contexts ?? []) names.add(context);
    for (const check of data.checks ?? []) names.add(check.context);
  } catch (error) {
    if (!unreadable(error)) throw error;
  }
  try {
    const rules = await repoRequest(github, repo, 'GET /repos/{owner}/{repo}/rules/branches/{branch}', { branch });
    readable = true;
    for (const rule of rules) {
      if (rule.type !== 'required_status_checks') continue;
      const checks = (rule.parameters as { required_status_checks?: Array<{ context: string }> } | undefined)
        ?.required_status_checks;
      for (const check of checks ?? []) names.add(check.context);
    }
  } catch (error) {
    if (!unreadable(error)) throw error;
  }
  return readable ? [...names].sort() : undefined;
}

/** 403 (no access) and 404 (not protected, or hidden from this token): not a failure, just unknown. */
function unreadable(error: unknown): boolean {
  return statusOf(error) === 403 || statusOf(error) === 404;
}
