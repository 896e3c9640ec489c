// Writing <stateDir>/usage.jsonl: one line per agent run, whatever its outcome — mission runs
// (a success by the pipeline's usage step, with its PR; every other ending by the runner as the
// agent stops) and chat runs (kind 'chat'). Line format: docs/operations.md#usagejsonl.
// Runners and the chat are separate processes: each line is one O_APPEND write, never
// interleaved with another; the text is scrubbed of known secrets first.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentRunResult } from '../adapters/agent/index.js';
import type { Mission, OutcomeClass, TokenUsage } from '../contracts/index.js';
import type { Logger } from '../log.js';
import { scrubJson } from '../secrets/scrubber.js';

/** One line of usage.jsonl. Cost and tokens are present only when the agent reported them. */
export interface UsageLine {
  /** ISO time the line was written (the run's end). */
  at: string;
  /** The mission's kind (free, rebase, …), or 'chat'. */
  kind: string;
  /** How the agent run ended. Lines written before outcomes were recorded lack it: successes. */
  outcome: OutcomeClass;
  missionId?: string;
  project?: string;
  branch?: string;
  prUrl?: string;
  /** The mission's attempt, or the chat request's (0 first, then the lighter retries). */
  attempt?: number;
  /** Chat runs: the request and the chat provider it came from. */
  requestId?: string;
  provider?: string;
  costUsd?: number;
  tokens?: TokenUsage;
  durationMs?: number;
}

export const usageFile = (stateDir: string): string => join(stateDir, 'usage.jsonl');

/** What the run cost, as far as the agent reported it. */
export function spendOf(
  run: Pick<AgentRunResult, 'costUsd' | 'tokens' | 'durationMs'>,
): Pick<UsageLine, 'costUsd' | 'tokens' | 'durationMs'> {
  return {
    ...(run.costUsd !== undefined ? { costUsd: run.costUsd } : {}),
    ...(run.tokens ? { tokens: run.tokens } : {}),
    durationMs: run.durationMs,
  };
}

export function missionRunLine(
  mission: Pick<Mission, 'id' | 'project' | 'kind' | 'attempts'>,
  branch: string,
  run: AgentRunResult,
  now: number,
): UsageLine {
  return {
    at: new Date(now).toISOString(),
    missionId: mission.id,
    project: mission.project,
    kind: mission.kind,
    branch,
    attempt: mission.attempts,
    outcome: run.outcome,
    ...spendOf(run),
  };
}

export function chatRunLine(
  turn: { id: string; attempt: number; request: { provider: string } },
  run: AgentRunResult,
  now: number,
): UsageLine {
  return {
    at: new Date(now).toISOString(),
    kind: 'chat',
    requestId: turn.id,
    attempt: turn.attempt,
    provider: turn.request.provider,
    outcome: run.outcome,
    ...spendOf(run),
  };
}

/** Appends one line; throws when it cannot (the pipeline's breaker counts that). */
export function writeUsageLine(stateDir: string, line: UsageLine): void {
  const file = usageFile(stateDir);
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, scrubJson(JSON.stringify(line)) + '\n');
}

/** Appends one line; a failure is logged, never thrown: counting a run must not change it. */
export function recordUsageLine(stateDir: string, line: UsageLine, logger: Logger): void {
  try {
    writeUsageLine(stateDir, line);
  } catch (error) {
    logger.warn({ err: error, kind: line.kind, outcome: line.outcome }, 'usage line not written');
  }
}
