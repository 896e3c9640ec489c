// Pipeline step `pr`: ensure the pull request exists (idempotent) once the branch has work on
// the remote; skipped without a token or a GitHub repository to open it on.
import { commitsAhead, githubRepoFromRemote, remoteBranchExists, remoteUrl } from '../adapters/git.js';
import { pullRequestBody, titleLine } from './pipelineText.js';
import { errorText, STEP, type PipelineInput, type ReportStep } from './pipelineTypes.js';

/** The PR's URL, when there is one. */
export async function pullRequestStep(
  input: PipelineInput,
  where: { pushRemote: string; baseRef: string },
  push: { pushed: boolean; failed: boolean },
  report: ReportStep,
): Promise<string | undefined> {
  const { worktree, branch, project } = input;
  const { pushRemote, baseRef } = where;
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
    const pr = await input.github.ensurePullRequest({
      repo: repos.repo,
      head: branch,
      ...(repos.headOwner ? { headOwner: repos.headOwner } : {}),
      base: project.baseBranch,
      title: `roshi: ${titleLine(input.mission.text)}`,
      body: pullRequestBody(input),
      ...(input.draft ? { draft: true } : {}),
    });
    report({ step: STEP.pr, ok: true, detail: pr.created ? `opened ${pr.url}` : `already open: ${pr.url}` });
    return pr.url;
  } catch (error) {
    report({ step: STEP.pr, ok: false, detail: `failed: ${errorText(error)}` }, true);
    return undefined;
  }
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
