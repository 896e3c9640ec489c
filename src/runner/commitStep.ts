// Pipeline step `commit`: whatever the agent left uncommitted, committed as roshi's author.
import { commitLeftovers } from '../adapters/git.js';
import { commitMessage } from './pipelineText.js';
import { errorText, STEP, type PipelineInput, type ReportStep } from './pipelineTypes.js';

export interface CommitStepResult {
  /** HEAD after the step. */
  commit?: string;
  failed: boolean;
}

export async function commitStep(input: PipelineInput, report: ReportStep): Promise<CommitStepResult> {
  try {
    const c = await commitLeftovers(input.worktree, {
      message: commitMessage(input.mission, input.project.name),
      authorName: input.git.authorName,
      authorEmail: input.git.authorEmail,
    });
    report(
      c.committed
        ? { step: STEP.commit, ok: true, detail: `committed leftovers as ${c.sha.slice(0, 10)}` }
        : { step: STEP.commit, ok: true, skipped: true, detail: 'skipped: nothing left to commit' },
    );
    return { commit: c.sha, failed: false };
  } catch (error) {
    report({ step: STEP.commit, ok: false, detail: `failed: ${errorText(error)}` }, true);
    return { failed: true };
  }
}
