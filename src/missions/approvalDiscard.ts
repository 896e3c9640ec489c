// A rejected push leaves nothing behind: the worktree that held the committed work and its
// local branch are removed (nothing of it reached the remote). docs/missions.md#approval
import { join, resolve } from 'node:path';
import { removeWorktree, worktreePath } from '../adapters/git/worktrees.js';
import { git } from '../adapters/git/run.js';
import type { RoshiConfig } from '../config/index.js';
import type { Mission } from '../contracts/index.js';

export async function discardHeldWork(config: RoshiConfig, mission: Mission): Promise<void> {
  const project = config.projects[mission.project];
  if (!project) return;
  // The repository ensureRepo (adapters/git/repos.ts) works on: the checkout, or roshi's clone.
  const repo = project.path ? resolve(project.path) : join(resolve(config.workspace), 'repos', mission.project);
  await removeWorktree(repo, worktreePath(config.workspace, mission.id));
  const branch = mission.result?.branch;
  if (branch) await git(['branch', '-D', branch], { cwd: repo, okExitCodes: [0, 1] });
}
