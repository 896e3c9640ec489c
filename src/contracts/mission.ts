// The mission record, as stored in the KV bucket <prefix>_missions (one key per mission, the
// key is the id). Every field a person or a runner needs to know where a mission stands.

/** awaiting_approval: the work is committed and held before the push (docs/missions.md#approval). */
export type MissionStatus = 'pending' | 'running' | 'awaiting_approval' | 'done' | 'failed' | 'cancelled';
export type MissionSource = 'chat' | 'cli' | 'nats' | 'github' | 'file' | 'web';
/** `free` is plain text; the others are commands with a target URL (src/missions/commands.ts). */
/** Every kind of mission, once: config keys that name kinds (agent.roles, budgets) take them from here. */
export const MISSION_KINDS = ['free', 'rebase', 'ci_check', 'review', 'implement', 'fix'] as const;
export type MissionKind = (typeof MISSION_KINDS)[number];

/**
 * How an agent run ended; decides between done, retry and failed. `stalled` and `budget`: roshi
 * stopped the run for a stall or the mission's budget (docs/missions.md#stalls-and-budgets-per-mission).
 */
export type OutcomeClass = 'success' | 'transient' | 'permanent' | 'timeout' | 'cancelled' | 'stalled' | 'budget';

export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** One post-mission step as reported to the operator. */
export interface StepReport {
  step: string;
  ok: boolean;
  /** Skipped (e.g. no GitHub token for the PR, gate off) — neither success nor failure. */
  skipped?: boolean;
  detail: string;
}

export interface MissionResult {
  summary?: string;
  branch?: string;
  prUrl?: string;
  costUsd?: number;
  tokens?: TokenUsage;
  durationMs?: number;
  errorClass?: OutcomeClass;
  error?: string;
  steps?: StepReport[];
}

/**
 * The operator's notice of how a mission ended, kept on the record until the outbox has it: the
 * record's write and the notice cannot part (a writer that dies before sending leaves it for the
 * missions actor's sweep). One id per mission, so the outbox dedupes a second send.
 */
export interface MissionNotice {
  id: string;
  text: string;
}

/**
 * The agent finished the mission's work in an attempt whose runner then died before the work
 * was delivered (commit, gates, push, PR): the next attempt keeps that worktree and delivers
 * it without running, and paying for, the agent again. Cleared when the mission finishes.
 */
export interface AgentDelivery {
  summary: string;
  costUsd?: number;
  tokens?: TokenUsage;
  durationMs: number;
  /** The attempt whose agent did the work. */
  attempt: number;
  at: number;
}

/** What an operator must approve before the work goes further (docs/missions.md#approval). */
export type ApprovalGate = 'push' | 'merge';
/** projects.<name>.approval and missions.approval.<kind>: none, or the gate to stop at. */
export type ApprovalMode = 'none' | ApprovalGate;
export const APPROVAL_MODES: readonly ApprovalMode[] = ['none', 'push', 'merge'];

/**
 * An approval asked for or given, kept on the record so it survives restarts. `push`: the
 * mission waits in awaiting_approval until /approve (back to the queue, delivered without a
 * new agent run) or /reject (cancelled). `merge`: the mission is done and its PR's auto-merge
 * waits until /approve.
 */
export interface MissionApproval {
  gate: ApprovalGate;
  state: 'pending' | 'approved' | 'rejected';
  /** What the operator was asked about: files, lines, gates, cost. */
  summary: string;
  askedAt: number;
  /** Who approved or rejected, and when. */
  by?: string;
  decidedAt?: number;
  /** A rejection's reason, as the operator gave it. */
  reason?: string;
  /** The mission queued with a rejection's reason. */
  followUp?: string;
}

export interface Lease {
  runner: string;
  /** ms since the epoch; past it, the mission is abandoned and returns to pending. */
  until: number;
}

export interface Mission {
  id: string;
  /** What to do, as given (without the [project:x] tag). */
  text: string;
  project: string;
  kind: MissionKind;
  /** The target of a command mission (a PR or issue URL). */
  url?: string;
  source: MissionSource;
  /** Who asked (chat user, GitHub login, "cli"). */
  by?: string;
  /**
   * Material for the agent beyond the text: failing CI jobs and their log tails for /ci_check,
   * review comments for /fix. Filled into the prompt's {{ciLogs}} (or appended to a prompt that
   * has no such place). At most MISSION_CONTEXT_MAX characters.
   */
  context?: string;
  status: MissionStatus;
  /** Lower runs first. */
  order: number;
  /** Runs started so far, including ones whose runner died (lease expired). */
  attempts: number;
  /** Transient failures (rate limits, overload, network) so far; their own budget. */
  transientAttempts: number;
  maxAttempts: number;
  maxTransientAttempts: number;
  /** Not to be claimed before this time (retry backoff), ms since the epoch. */
  notBefore?: number;
  lease?: Lease;
  result?: MissionResult;
  /** Set once the agent's work is done and only its delivery is left; cleared when the mission finishes. */
  delivery?: AgentDelivery;
  /** An approval asked for (push: status awaiting_approval; merge: a done mission's PR) or given. */
  approval?: MissionApproval;
  /** Set when the mission finished and removed once the notice is on the outbox. */
  notice?: MissionNotice;
  /** Why the last attempt failed, for the next attempt's report and for `mission show`. */
  lastError?: string;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  finishedAt?: number;
}

/** Longest mission context kept; a longer one keeps its head and tail around a marker. */
export const MISSION_CONTEXT_MAX = 16_000;

/** A context cut to MISSION_CONTEXT_MAX: the start (what it is about) and the end (where logs fail) survive. */
export function capContext(context: string, max = MISSION_CONTEXT_MAX): string {
  if (context.length <= max) return context;
  const marker = `\n… [${context.length - max} characters of context left out] …\n`;
  const keep = Math.max(0, max - marker.length);
  const head = Math.floor(keep / 4);
  return context.slice(0, head) + marker + context.slice(context.length - (keep - head));
}

export const isFinished = (m: Pick<Mission, 'status'>): boolean =>
  m.status === 'done' || m.status === 'failed' || m.status === 'cancelled';
