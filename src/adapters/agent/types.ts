// The contract between the runner and an agent CLI. The Claude Code adapter (claude.ts) is the
// first implementation; another CLI only has to turn an AgentRunRequest into an AgentRunResult.
import type { OutcomeClass, TokenUsage } from '../../contracts/index.js';
import type { SteeringSettings, SteeringStop } from './runSteering.js';

export interface AgentRunRequest {
  /** The mission prompt; always given on stdin, never in argv (it would show in `ps`). */
  prompt: string;
  /** Working directory of the agent (the mission's worktree). */
  cwd: string;
  /** Already resolved and validated (see resolve.ts); omitted → the CLI's default. */
  model?: string;
  fallbackModel?: string;
  /** low | medium | high | xhigh | max; omitted → the CLI's default. */
  effort?: string;
  maxTurns: number;
  /** Tools the agent may use without asking (e.g. `Write`, `Edit`, `Bash(git *)`). */
  allowedTools: string[];
  /**
   * The built-in tools that exist in the run at all (`--tools`); omitted → the CLI's default set.
   * Tools listed here but not in allowedTools still work where the CLI needs no permission:
   * reading in the working directory and in `addDirs`.
   */
  tools?: string[];
  /** Tools refused even if allowedTools lists them (`--disallowedTools`). */
  disallowedTools?: string[];
  /** Directories besides cwd the agent may read without a permission rule (`--add-dir`). */
  addDirs?: string[];
  /** Literal variables for the agent (agent.env, roshi's markers), set over its allow-listed environment. */
  env: Record<string, string>;
  /** No output line (stdout or stderr) for this long → the run is killed (timeout). */
  idleTimeoutMs: number;
  /** Wall clock limit for the whole run → killed (timeout). */
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL when a run is killed. */
  killGraceMs: number;
  /** Every stdout and stderr line of the run is appended here (directories are created). */
  logFile: string;
  /**
   * The CLI's stdout goes straight into this file (created 0600, emptied), read from there:
   * a result printed while the caller is dead or frozen is not lost (streamFile.ts).
   */
  streamFile?: string;
  /**
   * Stall rules and the mission budget the run is steered by (runSteering.ts); omitted → none,
   * only the idle and wall-clock limits.
   */
  steering?: SteeringSettings;
  /** Aborting it stops the agent at once (outcome `cancelled`). */
  signal?: AbortSignal;
  onProgress?: (p: AgentProgress) => void;
}

export interface AgentProgress {
  kind: 'init' | 'text' | 'tool' | 'tool_result' | 'retry' | 'stall' | 'budget';
  /** One short human-readable line. */
  text: string;
  /** ms since the epoch. */
  at: number;
  /** Kind `retry` only: the CLI's retry of a failed API call (retryState.ts words it). */
  retry?: AgentRetryState;
  /** Kind `stall` only: the rule that found it and what repeats. */
  stall?: { rule: string; repeated?: string };
}

/** What an `api_retry` event says: docs/claude-cli.md#errors-and-retries. */
export interface AgentRetryState {
  /** The retry the CLI is about to make, and how many it makes at most. */
  attempt?: number;
  maxRetries?: number;
  /** HTTP status of the failed call; null for a network failure. */
  errorStatus: number | null;
  /** How long the CLI waits before that retry, and when it sends it (ms since the epoch). */
  delayMs: number;
  nextAt: number;
}

export interface AgentRunResult {
  outcome: OutcomeClass;
  /** The agent's final answer, or a description of how the run ended. */
  summary: string;
  /** Why the run failed (absent on success). */
  error?: string;
  /** Transient failures only: how long the server (or the CLI's own backoff) asked to wait. */
  retryAfterMs?: number;
  costUsd?: number;
  tokens?: TokenUsage;
  durationMs: number;
  numTurns?: number;
  sessionId?: string;
  exitCode: number | null;
  signal: string | null;
  /** Set when roshi killed the run; the outcome is then `timeout` or `cancelled`, whatever the exit. */
  killedBy?: 'idle-timeout' | 'timeout' | 'cancel' | 'stall' | 'budget';
  /** Set when roshi stopped the run early for a stall or its budget (outcome `stalled` or `budget`). */
  stopped?: SteeringStop;
}

export interface AgentAdapter {
  readonly name: string;
  /**
   * Runs one mission attempt. Never rejects for an agent failure: every ending is a result.
   * Throws only for programmer or installation errors (e.g. MissingDependencyError when the
   * command does not exist).
   */
  run(request: AgentRunRequest): Promise<AgentRunResult>;
}
