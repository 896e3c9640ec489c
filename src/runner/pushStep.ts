// Pipeline step `push`: the branch to its push remote when it has commits the remote lacks;
// never forced, except with a lease for /rebase of our own branch. Nothing is pushed after a
// failed commit or when a red strict gate blocks (docs/missions.md#gates-and-pull-requests).
import { commitsAhead, push, PushRejectedError, remoteBranchExists } from '../adapters/git.js';
import { errorText, STEP, type PipelineInput, type ReportStep } from './pipelineTypes.js';

export interface PushStepResult {
  /** A push happened in this run. */
  pushed: boolean;
  failed: boolean;
  /** Commits pushed in this run. */
  commits?: number;
}

/** Why nothing may be pushed: the commit failed, or the red strict gates that block ("quality-gate failed"). */
export interface PushHold {
  commitFailed: boolean;
  gateBlock?: string;
}

export async function pushStep(
  input: PipelineInput,
  where: { pushRemote: string; baseRef: string },
  hold: PushHold,
  report: ReportStep,
): Promise<PushStepResult> {
  const { worktree, branch } = input;
  const { pushRemote, baseRef } = where;
  if (hold.commitFailed) {
    report({ step: STEP.push, ok: false, skipped: true, detail: 'skipped: commit failed, nothing pushed' });
    return { pushed: false, failed: true };
  }
  if (hold.gateBlock) {
    const detail = `skipped: the strict gate is red (${hold.gateBlock}), nothing pushed (onFail: block)`;
    report({ step: STEP.push, ok: false, skipped: true, detail });
    return { pushed: false, failed: true };
  }
  try {
    const onRemote = await remoteBranchExists(worktree, pushRemote, branch);
    const against = onRemote ? `${pushRemote}/${branch}` : baseRef;
    const ahead = await commitsAhead(worktree, against);
    if (ahead === 0) {
      report({
        step: STEP.push,
        ok: true,
        skipped: true,
        detail: `skipped: nothing to push (no commits ahead of ${against})`,
      });
      return { pushed: false, failed: false };
    }
    await push(worktree, { remote: pushRemote, branch, ...(input.force ? { force: input.force } : {}) });
    const how = input.force ? 'force-pushed (with lease)' : 'pushed';
    report({
      step: STEP.push,
      ok: true,
      detail: `${how} ${ahead} commit${ahead === 1 ? '' : 's'} to ${pushRemote}/${branch}`,
    });
    return { pushed: true, failed: false, commits: ahead };
  } catch (error) {
    const detail =
      error instanceof PushRejectedError
        ? input.force
          ? `failed: ${pushRemote} rejected the forced push of ${branch}: the remote branch moved since it was fetched (lease broken). ${error.stderrTail}`
          : `failed: ${pushRemote} rejected the push of ${branch}: the remote branch has commits we do not have (non-fast-forward); not forcing. ${error.stderrTail}`
        : `failed: ${errorText(error)}`;
    report({ step: STEP.push, ok: false, detail: detail.trim() }, true);
    return { pushed: false, failed: true };
  }
}
