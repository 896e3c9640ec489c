// The AgentRunResult of a run that started: killed by roshi (timeout, idle, cancel) or finished
// on its own and classified (classify.ts; exit codes in docs/claude-cli.md#errors-and-retries);
// a transient API failure's error is one sentence (apiFailure.ts).
import type { Logger } from '../../log.js';
import { clip } from '../../text/oneLine.js';
import { apiFailureSentence } from './apiFailure.js';
import { classifyRun, errorText, tailText } from './classify.js';
import type { RunSteering, SteeringStop } from './runSteering.js';
import type { RunTranscript } from './runTranscript.js';
import { describeBudget } from './runSpend.js';
import type { AgentRunRequest, AgentRunResult } from './types.js';

/** How long summaries of a failed or killed run may be. */
const SUMMARY_MAX = 4000;
/**
 * How long a successful run's answer may be: a chat answer is split by the bridge into messages
 * the provider takes (bridge/split.ts), so it must not be cut to one message's length here.
 */
export const ANSWER_MAX = 32_000;

export interface RunExit {
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
}

export function runResult(
  run: RunTranscript,
  exit: RunExit,
  killedBy: AgentRunResult['killedBy'],
  request: Pick<AgentRunRequest, 'idleTimeoutMs' | 'timeoutMs'>,
  log: Logger,
  steering?: Pick<RunSteering, 'stoppedFor' | 'spent'>,
): AgentRunResult {
  const { exitCode, signal, durationMs } = exit;
  const { result } = run;
  const base = {
    durationMs,
    exitCode,
    signal,
    sessionId: run.sessionId,
    costUsd: result?.totalCostUsd,
    tokens: result?.usage,
    numTurns: result?.numTurns,
  };
  const stderrTail = run.stderrTail.toString();
  const stdoutTail = run.stdoutTail.toString();

  // Stopped by roshi for a stall or its budget — unless the answer that crossed the line was
  // the last and the run succeeded anyway (its work is done).
  const stop = steering?.stoppedFor;
  if (stop && killedBy !== 'cancel' && !(result && !result.isError)) {
    const spent = steering.spent();
    const error = stopText(stop);
    log.info({ outcome: stop.reason, killedBy, exitCode, signal, durationMs, stop }, 'agent stopped by roshi');
    return {
      ...base,
      costUsd: result?.totalCostUsd ?? spent.usd,
      tokens: result?.usage ?? base.tokens,
      numTurns: result?.numTurns ?? spent.turns,
      outcome: stop.reason,
      summary: clip(run.lastText ?? error, SUMMARY_MAX),
      error,
      stopped: stop,
      ...(killedBy ? { killedBy } : {}),
    };
  }

  // Idle or over time only after it reported success (stopped on its way out): its answer counts.
  if (killedBy && killedBy !== 'cancel' && result !== undefined && !result.isError) {
    log.info(
      { killedBy, exitCode, signal, durationMs },
      'agent killed after it had reported success; its answer counts',
    );
    return { ...base, outcome: 'success', summary: clip(result.result ?? run.lastText ?? '', ANSWER_MAX) };
  }
  if (killedBy) {
    const outcome = killedBy === 'cancel' ? 'cancelled' : 'timeout';
    const headline =
      killedBy === 'cancel'
        ? 'cancelled: the agent was stopped'
        : killedBy === 'idle-timeout'
          ? `killed after ${Math.round(request.idleTimeoutMs / 1000)}s without output (idle timeout)`
          : `killed after running for ${Math.round(request.timeoutMs / 1000)}s (timeout)`;
    const stderr = tailText(stderrTail);
    const tail = stderr || tailText(stdoutTail);
    const error = tail ? `${headline}\n${stderr ? 'stderr' : 'stdout'}:\n${tail}` : headline;
    log.info({ outcome, killedBy, exitCode, signal, durationMs }, 'agent killed');
    return { ...base, outcome, summary: clip(run.lastText ?? headline, SUMMARY_MAX), error, killedBy };
  }

  const classification = classifyRun({ exitCode, signal, result, lastRetry: run.lastRetry, stderrTail, stdoutTail });
  log.info(
    { outcome: classification.outcome, exitCode, signal, durationMs, apiErrorStatus: result?.apiErrorStatus },
    'agent finished',
  );
  if (classification.outcome === 'success') {
    return { ...base, outcome: 'success', summary: clip(result?.result ?? run.lastText ?? '', ANSWER_MAX) };
  }
  // A transient API failure is one sentence; its raw stream-json is in the run log already.
  const sentence = classification.outcome === 'transient' ? apiFailureSentence(result, run.lastRetry) : undefined;
  const error = sentence ?? classification.error ?? errorText({ exitCode, signal, result, stderrTail, stdoutTail });
  const summary = clip(result?.result ?? result?.errors.join('; ') ?? error.split('\n')[0] ?? error, SUMMARY_MAX);
  return {
    ...base,
    outcome: classification.outcome,
    summary,
    error,
    ...(classification.retryAfterMs !== undefined ? { retryAfterMs: classification.retryAfterMs } : {}),
  };
}

/** Why roshi stopped a run: the rule and what repeated, or the budget reached. */
export function stopText(stop: SteeringStop): string {
  if (stop.reason === 'budget') return `stopped at a turn boundary: ${describeBudget(stop.reached)}`;
  const nudged = stop.nudged ? ' (nudged first, to no effect)' : '';
  return `stalled (${stop.finding.rule}): ${stop.finding.evidence}${nudged}`;
}
