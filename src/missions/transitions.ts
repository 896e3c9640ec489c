// Every change a mission can go through, as pure functions from a record to the next record.
// The store wraps each in a compare-and-set on the KV revision; here there is no I/O and no
// clock, so the decisions (retry or fail, which budget, how long to wait) are tested directly.
//
// Each transition names the status it starts from and refuses any other with an
// InvalidTransitionError (or LeaseLostError, for a runner that no longer holds the mission).
import { doublingBackoff } from '../../machines/backoff.js';
import { InvalidTransitionError, LeaseLostError } from './errors.js';
import {
  isFinished,
  type AgentDelivery,
  type Mission,
  type MissionEventType,
  type MissionResult,
  type MissionStatus,
  type OutcomeClass,
} from '../contracts/index.js';
import { holdForApproval, type ApprovalRequest } from './approval.js';
import { endNotice } from './notice.js';
import type { RetryBackoff } from './settings.js';

/** How a runner's attempt ended, as given to finish(). */
export interface MissionOutcome {
  class: OutcomeClass;
  /** What went wrong (failures); kept as the mission's lastError. */
  error?: string;
  /** A server's Retry-After for a transient failure; the retry waits at least this long. */
  retryAfterMs?: number;
  /** Summary, branch, PR, cost, tokens, duration, steps. */
  result?: MissionResult;
  /** No retry can help (a refusal such as "not my PR"): fail without spending the other attempts. */
  final?: boolean;
  /** The pipeline's report for the operator; it goes out with how the mission ended (notice.ts). */
  report?: string;
  /** A success held at its approval gate (approval.ts): awaiting_approval, or done with the ask. */
  hold?: ApprovalRequest;
}

/** A transition's outcome: the next record and the event to publish (none for a bookkeeping change). */
export interface Transition {
  mission: Mission;
  event?: MissionEventType;
  runner?: string;
  reason?: string;
}

export const TRANSIENT_BUDGET_SPENT = 'transient budget spent';

/**
 * Delay before retry number n (n ≥ 1: the first retry waits `initial`):
 * max(min(2^(n−1) × initial, max), retryAfter).
 */
export function retryDelayMs(n: number, backoff: RetryBackoff, retryAfterMs = 0): number {
  const raw = doublingBackoff(n, backoff);
  return Math.max(raw, Number.isFinite(retryAfterMs) ? Math.max(0, retryAfterMs) : 0);
}

/** Can a runner take this mission at `now`? */
export function isClaimable(m: Mission, now: number): boolean {
  return m.status === 'pending' && (m.notBefore === undefined || m.notBefore <= now);
}

/** Queue order: lower `order` first, then older, then id. */
export function compareQueue(a: Mission, b: Mission): number {
  return a.order - b.order || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function claimMission(m: Mission, runner: string, now: number, leaseMs: number): Transition {
  expectStatus(m, 'claim', ['pending']);
  const next: Mission = {
    ...m,
    status: 'running',
    lease: { runner, until: now + leaseMs },
    attempts: m.attempts + 1,
    startedAt: now,
    updatedAt: now,
  };
  delete next.notBefore;
  return { mission: next, event: 'claimed', runner };
}

export function renewLease(m: Mission, runner: string, now: number, leaseMs: number): Transition {
  expectHolder(m, runner);
  return { mission: { ...m, lease: { runner, until: now + leaseMs }, updatedAt: now } };
}

/**
 * What an outcome does to a mission, before any bookkeeping:
 *  - success → done;
 *  - transient → its own budget (the run does not count as an attempt): spent → failed,
 *    else pending after max(backoff(transientAttempts), Retry-After);
 *  - permanent, timeout → attempts spent → failed with the error, else pending after backoff(attempts);
 *  - cancelled → cancelled.
 */
export interface FinishDecision {
  status: 'done' | 'pending' | 'failed' | 'cancelled';
  attempts: number;
  transientAttempts: number;
  /** pending: wait this long before the next claim. */
  delayMs?: number;
  /** failed, pending: why, in a few words. */
  reason?: string;
}

export function decideFinish(
  m: Pick<Mission, 'attempts' | 'transientAttempts' | 'maxAttempts' | 'maxTransientAttempts'>,
  outcome: MissionOutcome,
  backoff: RetryBackoff,
): FinishDecision {
  const { attempts, transientAttempts } = m;
  const error = firstLine(outcome.error) || undefined;
  switch (outcome.class) {
    case 'success':
      return { status: 'done', attempts, transientAttempts };
    case 'cancelled':
      return { status: 'cancelled', attempts, transientAttempts, reason: 'cancelled' };
    case 'transient': {
      const spent = transientAttempts + 1;
      const counted = Math.max(0, attempts - 1);
      if (spent >= m.maxTransientAttempts) {
        return { status: 'failed', attempts: counted, transientAttempts: spent, reason: TRANSIENT_BUDGET_SPENT };
      }
      return {
        status: 'pending',
        attempts: counted,
        transientAttempts: spent,
        delayMs: retryDelayMs(spent, backoff, outcome.retryAfterMs),
        reason: `transient failure ${spent}/${m.maxTransientAttempts}${error ? `: ${error}` : ''}`,
      };
    }
    case 'stalled':
    case 'budget':
      // Another run would go in the same circles or spend the same again: fail now (the work so
      // far went through the pipeline as a draft).
      return {
        status: 'failed',
        attempts,
        transientAttempts,
        reason: error ?? (outcome.class === 'budget' ? 'mission budget reached' : 'stalled'),
      };
    case 'permanent':
    case 'timeout': {
      const what = error ?? (outcome.class === 'timeout' ? 'timed out' : 'failed');
      // A refusal that no retry can change ("not my PR", no token): fail now, keep the budget honest.
      if (outcome.final || attempts >= m.maxAttempts)
        return { status: 'failed', attempts, transientAttempts, reason: what };
      return {
        status: 'pending',
        attempts,
        transientAttempts,
        delayMs: retryDelayMs(attempts, backoff),
        reason: `attempt ${attempts}/${m.maxAttempts}: ${what}`,
      };
    }
  }
}

export function finishMission(
  m: Mission,
  runner: string,
  outcome: MissionOutcome,
  now: number,
  backoff: RetryBackoff,
): Transition {
  // A mission cancelled while it ran: its runner reports how the run ended (cost, tokens); the
  // record stays cancelled and only gains the result.
  if (m.status === 'cancelled' && m.lease?.runner === runner) {
    const next: Mission = { ...m, updatedAt: now, result: { ...outcome.result, errorClass: outcome.class } };
    delete next.lease;
    return { mission: next };
  }
  expectHolder(m, runner);
  const decision = decideFinish(m, outcome, backoff);
  const next: Mission = {
    ...m,
    attempts: decision.attempts,
    transientAttempts: decision.transientAttempts,
    updatedAt: now,
  };
  delete next.lease;
  delete next.notBefore;
  delete next.delivery; // delivered, or failed to: a retry runs the agent afresh
  if (outcome.error) next.lastError = outcome.error;
  const result: MissionResult = { ...outcome.result };
  if (result.durationMs === undefined && m.startedAt !== undefined) result.durationMs = Math.max(0, now - m.startedAt);
  switch (decision.status) {
    case 'done': {
      if (outcome.hold) return holdForApproval(m, next, result, outcome.hold, runner, now);
      const notice = endNotice(m, 'done', outcome.report);
      return {
        mission: { ...next, status: 'done', finishedAt: now, result, ...(notice ? { notice } : {}) },
        event: 'finished',
        runner,
      };
    }
    case 'cancelled':
      return {
        mission: { ...next, status: 'cancelled', finishedAt: now, result: { ...result, errorClass: 'cancelled' } },
        event: 'cancelled',
        runner,
        reason: 'cancelled',
      };
    case 'failed': {
      const reason = decision.reason ?? 'failed';
      return {
        mission: {
          ...next,
          status: 'failed',
          finishedAt: now,
          result: { ...result, errorClass: outcome.class, error: reason },
          notice: endNotice(m, 'failed', outcome.report, outcome.error ?? outcome.class)!,
        },
        event: 'failed',
        runner,
        reason,
      };
    }
    case 'pending':
      return {
        mission: {
          ...next,
          status: 'pending',
          notBefore: now + (decision.delayMs ?? 0),
          result: { ...result, errorClass: outcome.class },
        },
        event: 'requeued',
        runner,
        ...(decision.reason ? { reason: decision.reason } : {}),
      };
  }
}

/** The agent of `runner`'s attempt finished; only the delivery is left (AgentDelivery). */
export function recordDelivery(m: Mission, runner: string, delivery: AgentDelivery, now: number): Transition {
  expectHolder(m, runner);
  return { mission: { ...m, delivery, updatedAt: now } };
}

/**
 * A running mission whose lease ran out: its runner died or hung. Back to pending (the attempt
 * stays counted), or failed as poison once the attempts are spent. undefined when the lease
 * is still valid (renewed since the caller looked) or the mission is no longer running.
 */
export function expireLease(m: Mission, now: number): Transition | undefined {
  if (m.status !== 'running' || !m.lease || m.lease.until >= now) return undefined;
  const runner = m.lease.runner;
  const next: Mission = { ...m, updatedAt: now };
  delete next.lease;
  if (m.attempts >= m.maxAttempts) {
    const reason = `abandoned by its runner ${m.attempts} time${m.attempts === 1 ? '' : 's'} (poison)`;
    return {
      mission: {
        ...next,
        status: 'failed',
        finishedAt: now,
        lastError: reason,
        result: { ...m.result, error: reason },
        notice: endNotice(m, 'failed', undefined, reason)!,
      },
      event: 'failed',
      runner,
      reason,
    };
  }
  const reason = `lease of ${runner} expired (attempt ${m.attempts}/${m.maxAttempts})`;
  return { mission: { ...next, status: 'pending', lastError: reason }, event: 'expired', runner, reason };
}

export function cancelMission(m: Mission, now: number, by?: string): Transition {
  expectStatus(m, 'cancel', ['pending', 'running']);
  const runner = m.status === 'running' ? m.lease?.runner : undefined;
  // The lease stays on a cancelled running mission: it names the runner that must stop, and
  // lets that runner still record how its run ended.
  const next: Mission = { ...m, status: 'cancelled', finishedAt: now, updatedAt: now };
  delete next.notBefore;
  delete next.delivery;
  const reason = by ? `cancelled by ${by}` : 'cancelled';
  return { mission: next, event: 'cancelled', reason, ...(runner ? { runner } : {}) };
}

export function reorderMission(m: Mission, order: number, now: number): Transition {
  expectStatus(m, 'reorder', ['pending']);
  return { mission: { ...m, order, updatedAt: now } };
}

function expectStatus(m: Mission, action: string, expected: readonly MissionStatus[]): void {
  if (!expected.includes(m.status)) throw new InvalidTransitionError(m.id, action, m.status, expected);
}

function expectHolder(m: Mission, runner: string): void {
  if (m.status === 'running' && m.lease?.runner === runner) return;
  throw new LeaseLostError(m.id, runner, lostReason(m, runner));
}

function lostReason(m: Mission, runner: string): string {
  if (m.status === 'running')
    return `it is running under ${m.lease?.runner ?? 'nobody'} now (the lease of ${runner} expired)`;
  if (m.status === 'pending') return 'its lease expired and it went back to the queue';
  if (isFinished(m)) return `it is ${m.status}`;
  return `it is ${m.status}`;
}

function firstLine(text: string | undefined): string {
  const line = (text ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim().slice(0, 200);
}
