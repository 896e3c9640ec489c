// Pipeline step `pr`: ensure the pull request exists (idempotent) once the branch has work on
// the remote, a draft when a red strict gate says so; an open one gets this mission's title,
// body and gate mark, and a comment on what changed (docs/missions.md#gates-and-pull-requests).
// Skipped without a token or a GitHub repository to open it on.
import { commitsAhead, githubRepoFromRemote, remoteBranchExists, remoteUrl } from '../adapters/git.js';
import { outgoingText, postIssueComment, type GitHubClient } from '../adapters/github/index.js';
import { pullRequestText, updatePullRequest } from '../adapters/github/pullEdits.js';
import { errorText, STEP, type PipelineInput, type ReportStep } from './pipelineTypes.js';
import { openingText, updateComment, updatedText, type GateRecord } from './pullRequestText.js';
import type { PushStepResult } from './pushStep.js';

/** The PR's URL, when there is one. */
export async function pullRequestStep(
  input: PipelineInput,
  where: { pushRemote: string; baseRef: string },
  push: PushStepResult,
  gate: GateRecord,
  report: ReportStep,
): Promise<string | undefined> {
  const { worktree, branch, project } = input;
  const { pushRemote, baseRef } = where;
  if (gate.verdict.action === 'block') {
    report({
      step: STEP.pr,
      ok: false,
      skipped: true,
      detail: 'skipped: the strict gate is red, no PR opened or updated',
    });
    return undefined;
  }
  if (push.failed) {
    report({ step: STEP.pr, ok: false, skipped: true, detail: 'skipped: the branch was not pushed' });
    return undefined;
  }
  try {
    const hasWork =
      push.pushed ||
      ((await remoteBranchExists(worktree, pushRemote, branch)) &&
        (await commitsAhead(worktree, baseRef, `${pushRemote}/${branch}`)) > 0);
    if (!hasWork) {
      report({
        step: STEP.pr,
        ok: true,
        skipped: true,
        detail: `skipped: ${branch} has no commits ahead of ${baseRef}, no PR to open`,
      });
      return undefined;
    }
    if (!input.github) {
      report({
        step: STEP.pr,
        ok: true,
        skipped: true,
        detail: `skipped: no GitHub token (${input.githubTokenEnv}): branch pushed, no PR opened`,
      });
      return undefined;
    }
    const repos = await githubRepos(input, pushRemote);
    if (!repos.repo) {
      report({ step: STEP.pr, ok: false, skipped: true, detail: `skipped: ${repos.why}` });
      return undefined;
    }
    const opening = openingText(input, gate);
    const draft = input.draft || gate.verdict.action === 'draft';
    const pr = await input.github.ensurePullRequest({
      repo: repos.repo,
      head: branch,
      ...(repos.headOwner ? { headOwner: repos.headOwner } : {}),
      base: project.baseBranch,
      ...opening,
      ...(draft ? { draft: true } : {}),
    });
    if (pr.created) {
      report({ step: STEP.pr, ok: true, detail: `${draft ? 'opened a draft' : 'opened'} ${pr.url}` });
      return pr.url;
    }
    const update = await updateOpenPull(input.github, repos.repo, pr.number, input, push, gate);
    report({ step: STEP.pr, ok: true, detail: `already open: ${pr.url}${update}` });
    return pr.url;
  } catch (error) {
    report({ step: STEP.pr, ok: false, detail: `failed: ${errorText(error)}` }, true);
    return undefined;
  }
}

/**
 * This mission's title, body and gate mark on an open PR (only if they differ), and a comment
 * when anything changed; returns what it did, for the report.
 */
async function updateOpenPull(
  github: GitHubClient,
  repo: string,
  number: number,
  input: PipelineInput,
  push: PushStepResult,
  gate: GateRecord,
): Promise<string> {
  const existing = await pullRequestText(github, repo, number);
  const next = updatedText(existing, input, gate);
  // GitHub holds the text as outgoingText made it: compare with that, or every run would rewrite.
  const changed = outgoingText(next.title) !== existing.title || outgoingText(next.body) !== existing.body;
  if (changed) await updatePullRequest(github, repo, number, next);
  const comment = changed || push.pushed;
  if (comment) await postIssueComment(github, repo, number, updateComment(input, push, gate));
  return `${changed ? '; title and body updated' : ''}${comment ? '; comment posted' : ''}`;
}

/** The repository a PR goes to, and the fork owner of the head when the branch lives in a fork. */
async function githubRepos(
  input: PipelineInput,
  pushRemote: string,
): Promise<{ repo?: string; headOwner?: string; why: string }> {
  const { project, worktree } = input;
  const baseUrl = await remoteUrl(worktree, project.remote);
  const repo = project.githubRepo || (await repoOfRemote(worktree, project.remote, input.githubHost));
  if (!repo) {
    return {
      why: `no GitHub repository for project ${project.name}: set projects.${project.name}.githubRepo (remote ${project.remote} is ${baseUrl ?? 'missing'})`,
    };
  }
  let headOwner: string | undefined;
  if (pushRemote !== project.remote) {
    const owner = (await repoOfRemote(worktree, pushRemote, input.githubHost))?.split('/')[0];
    if (owner && owner.toLowerCase() !== repo.split('/')[0]?.toLowerCase()) headOwner = owner;
  }
  return { repo, ...(headOwner ? { headOwner } : {}), why: '' };
}

/** 'owner/name' from a remote's URL, as git expands it (insteadOf) or as configured. */
export async function repoOfRemote(cwd: string, remote: string, host: string | undefined): Promise<string | undefined> {
  for (const raw of [false, true]) {
    const url = await remoteUrl(cwd, remote, { raw });
    const repo = url ? githubRepoFromRemote(url, host) : undefined;
    if (repo) return repo;
  }
  return undefined;
}
