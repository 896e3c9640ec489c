// The runner's git effects: the mission's repository, branch and worktree, and their removal.
import { ensureRepo, githubHostFromApiUrl, prepareWorktree, removeWorktree } from '../adapters/git.js';
import { parsePullUrl } from '../adapters/github/pullUrl.js';
import type { RoshiConfig } from '../config/index.js';
import type { Mission } from '../contracts/index.js';
import { judgeOwnership, NotMyPullError, pullOfProject } from '../prPoller/ownership.js';
import { repoOfRemote } from '../runner/pipeline.js';
import { missionBranch } from '../runner/slug.js';
import type { RunnerDeps, Workspace } from './runnerDeps.js';

export async function prepareWorkspace(deps: RunnerDeps, mission: Mission): Promise<Workspace> {
  const { config } = deps;
  const project = config.projects[mission.project];
  if (!project)
    throw new Error(`project ${JSON.stringify(mission.project)} is not configured (projects.${mission.project})`);
  const repo = await ensureRepo({
    name: mission.project,
    path: project.path,
    url: project.url,
    workspace: config.workspace,
    remote: project.remote,
  });
  const branch = await branchFor(deps, mission, repo, project);
  const prepared = await prepareWorktree({
    repo,
    workspace: config.workspace,
    missionId: mission.id,
    branch,
    baseBranch: project.baseBranch,
    remote: project.remote,
    pushRemote: project.pushRemote,
    keepWork: mission.delivery !== undefined,
  });
  return {
    repo,
    worktree: prepared.path,
    branch: prepared.branch,
    project: { ...project, name: mission.project },
    kept: prepared.kept,
  };
}

/** The branch lives on in the remote; the worktree would only block the next mission on it. */
export async function dropWorktree(deps: RunnerDeps, ws: Workspace): Promise<void> {
  await removeWorktree(ws.repo, ws.worktree).catch((error: unknown) =>
    deps.logger.warn({ err: error, worktree: ws.worktree }, 'worktree not removed'),
  );
}

/**
 * A command on a pull request works on its head branch; anything else gets a branch of its
 * own. The PR must be of the mission's project's repository and roshi's own (prefixed branch
 * in that repository or an ownForks one); otherwise "not my PR", final.
 */
async function branchFor(
  { config, github }: RunnerDeps,
  mission: Mission,
  repoPath: string,
  project: RoshiConfig['projects'][string],
): Promise<string> {
  if (!mission.url || !parsePullUrl(mission.url))
    return missionBranch(config.git.branchPrefix, mission.text, mission.id);
  const projectRepo =
    project.githubRepo ||
    ((await repoOfRemote(repoPath, project.remote, githubHostFromApiUrl(config.github.apiUrl))) ?? '');
  const pull = pullOfProject(mission.url, mission.project, projectRepo);
  if (!github)
    throw new Error(
      `${mission.kind} of ${mission.url} needs the pull request's branch, and there is no GitHub token (${config.github.tokenEnv})`,
    );
  const head = await github.pullRequestHead(pull.repo, pull.number);
  const ownership = judgeOwnership(
    { repo: pull.repo, headRef: head.ref, headRepo: head.headRepo },
    { branchPrefix: config.git.branchPrefix, ownForks: config.prPoller.ownForks },
  );
  if (!ownership.own) throw new NotMyPullError(`not my PR: ${mission.url}: ${ownership.reason}`);
  return head.ref;
}
