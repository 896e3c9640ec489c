// How the runner turns an ending without an agent result (an error, a cancel) into an outcome
// (docs/missions.md#outcome-classes).
import type { AgentOutcome, RunnerContext } from './runnerTypes.js';

/**
 * Endings without a time of their own (an error, a cancel) are stamped with the mission's
 * start: only the dispatch breaker reads it, and it counts consecutive failures, not a window.
 */
export function lastKnownTime(context: RunnerContext): number {
  return context.mission?.startedAt ?? context.mission?.updatedAt ?? 0;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Preparing a worktree fails on the network (transient) or on the repository (permanent). */
export function classifyPrepareError(error: unknown, at: number): AgentOutcome {
  const text = errorText(error);
  const transient =
    /could not resolve host|connection (refused|reset|timed out)|timed out|temporarily unavailable|early eof/i.test(
      text,
    );
  return {
    outcome: transient ? 'transient' : 'permanent',
    summary: '',
    error: `preparing the worktree failed: ${text}`,
    at,
  };
}
