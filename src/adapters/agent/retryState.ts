// The agent's retry state in words, for `mission show`, /status and /live: "rate limited, retry
// 8/10, next in 34 s". It is read from the run's progress lines: the CLI is waiting to retry
// while its last line is a retry (any later line means an answer came). Pure.
import { apiFailureKind } from './apiFailure.js';
import type { AgentProgress, AgentRetryState } from './types.js';

/** The retry the agent is waiting on, when its last progress line is one. */
export function retryStateOf(
  progress: ReadonlyArray<{ kind: AgentProgress['kind'] | string; retry?: AgentRetryState }>,
): AgentRetryState | undefined {
  const last = progress[progress.length - 1];
  return last?.kind === 'retry' ? last.retry : undefined;
}

/** `rate limited, retry 8/10, next in 34 s`; once the time has come, `…, retry 8/10 under way`. */
export function describeRetry(state: AgentRetryState, now: number): string {
  const of = state.maxRetries === undefined ? '' : `/${state.maxRetries}`;
  const retry = `retry ${state.attempt ?? '?'}${of}`;
  const left = Math.ceil((state.nextAt - now) / 1000);
  return `${apiFailureKind(state.errorStatus)}, ${retry}${left > 0 ? `, next in ${left} s` : ' under way'}`;
}
