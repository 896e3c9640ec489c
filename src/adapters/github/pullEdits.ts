// Reading and rewriting an open pull request's title and body, and reading its gate mark
// (docs/missions.md#gates-and-pull-requests) and mergeability (docs/github.md#auto-merge). Reads
// here are never conditional: the text decides a rewrite or a merge, so it must be GitHub's
// current one. Written text goes through outgoingText.
import { outgoingText } from './textPolicy.js';
import { CALL_TIMEOUT_MS, call, splitRepo, transportOf } from './transport.js';
import type { GitHubClient } from './types.js';

export interface PullText {
  title: string;
  body: string;
  draft: boolean;
}

/** GET /repos/{o}/{r}/pulls/{n}, never from the ETag cache. */
async function freshPull(github: GitHubClient, repo: string, number: number) {
  const t = transportOf(github);
  const { owner, name } = splitRepo(repo);
  const { data } = await call(`GET /repos/${repo}/pulls/${number}`, () =>
    t.octokit.rest.pulls.get({ owner, repo: name, pull_number: number, request: t.request(CALL_TIMEOUT_MS) }),
  );
  return data;
}

/** The PR's title and body as they are now (a null body is ''). */
export async function pullRequestText(github: GitHubClient, repo: string, number: number): Promise<PullText> {
  const data = await freshPull(github, repo, number);
  return { title: data.title, body: data.body ?? '', draft: data.draft === true };
}

/** PATCH /repos/{o}/{r}/pulls/{n} with a new title and body. */
export async function updatePullRequest(
  github: GitHubClient,
  repo: string,
  number: number,
  text: { title: string; body: string },
): Promise<void> {
  const t = transportOf(github);
  const { owner, name } = splitRepo(repo);
  await call(`PATCH /repos/${repo}/pulls/${number}`, () =>
    t.octokit.rest.pulls.update({
      owner,
      repo: name,
      pull_number: number,
      title: outgoingText(text.title),
      body: outgoingText(text.body),
      request: t.request(CALL_TIMEOUT_MS),
    }),
  );
}

/** What GitHub's merge box knows about a PR, and its body (the gate mark), read fresh right before a merge. */
export interface PullMergeState {
  body: string;
  draft: boolean;
  /** null while GitHub is still computing it (mergeable_state 'unknown'). */
  mergeable: boolean | null;
  /** clean, unstable, has_hooks, blocked, behind, dirty, draft or unknown (GitHub's merge box). */
  mergeableState: string;
  baseRef: string;
  headSha: string;
}

/** The PR's body (gate mark), draft and mergeability as they are now. */
export async function pullMergeState(github: GitHubClient, repo: string, number: number): Promise<PullMergeState> {
  const data = await freshPull(github, repo, number);
  return {
    body: data.body ?? '',
    draft: data.draft === true,
    mergeable: data.mergeable ?? null,
    mergeableState: data.mergeable_state ?? 'unknown',
    baseRef: data.base.ref,
    headSha: data.head.sha,
  };
}
