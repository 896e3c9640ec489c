// Approval gates as pure transitions (docs/missions.md#approval). `push`: a run whose work is
// committed and ready to push stops in awaiting_approval (lease gone, agent's work kept as its
// delivery); /approve sends it back to the queue to be delivered without a new agent run,
// /reject cancels it. `merge`: the mission is done and its PR's auto-merge waits for /approve.
import type {
  ApprovalGate,
  Mission,
  MissionApproval,
  MissionEventType,
  MissionNotice,
  MissionResult,
} from '../contracts/index.js';
import { RoshiError } from '../errors.js';

/** A transition's outcome, as transitions.ts's Transition (kept apart: transitions.ts imports this file). */
export interface Transition {
  mission: Mission;
  event?: MissionEventType;
  runner?: string;
  reason?: string;
}

/** What a finished run asks the operator to approve. */
export interface ApprovalRequest {
  gate: ApprovalGate;
  /** Files, lines, gate results, cost (runner/approvalStep.ts). */
  summary: string;
}

/** /approve or /reject on a mission with nothing to approve. */
export class NoPendingApprovalError extends RoshiError {
  override readonly code = 'invalid_transition';
  constructor(m: Pick<Mission, 'id' | 'status' | 'approval'>, action: string) {
    const why = m.approval
      ? `its ${m.approval.gate} approval is already ${m.approval.state}${m.approval.by ? ` by ${m.approval.by}` : ''}`
      : `it is ${m.status} and waits for no approval`;
    super(`cannot ${action} mission ${m.id}: ${why}`);
  }
}

/** One ask per mission and gate: a notice sent twice is deduped by the outbox. */
export const approvalNoticeId = (missionId: string, gate: ApprovalGate): string =>
  `mission-${missionId}-approval-${gate}`;

export function approvalAskText(id: string, request: ApprovalRequest): string {
  const what = request.gate === 'push' ? 'ready to push' : 'has its PR; auto-merge waits';
  return `✋ mission ${id} ${what}, approval needed: ${request.summary}\n/approve ${id} — or /reject ${id} [why]`;
}

/**
 * A successful run held at its gate. push: awaiting_approval, keeping the agent's work as the
 * delivery so the approved attempt does not run the agent again. merge: done, with the ask.
 * `next` is the record finishMission made (lease and delivery already dropped).
 */
export function holdForApproval(
  m: Mission,
  next: Mission,
  result: MissionResult,
  request: ApprovalRequest,
  runner: string,
  now: number,
): Transition {
  const approval: MissionApproval = { gate: request.gate, state: 'pending', summary: request.summary, askedAt: now };
  const notice: MissionNotice = { id: approvalNoticeId(m.id, request.gate), text: approvalAskText(m.id, request) };
  if (request.gate === 'merge')
    return {
      mission: { ...next, status: 'done', finishedAt: now, result, approval, notice },
      event: 'finished',
      runner,
    };
  const delivery = m.delivery ?? {
    summary: result.summary ?? '',
    ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
    ...(result.tokens ? { tokens: result.tokens } : {}),
    durationMs: result.durationMs ?? 0,
    attempt: m.attempts,
    at: now,
  };
  return {
    mission: { ...next, status: 'awaiting_approval', result, delivery, approval, notice },
    event: 'awaiting_approval',
    runner,
    reason: `${request.gate} approval needed`,
  };
}

/** Is an approval of `m` pending? */
export const awaitsApproval = (m: Pick<Mission, 'approval'>): boolean => m.approval?.state === 'pending';

/** push: awaiting_approval → pending (delivered next, without an agent run); merge: the PR may auto-merge. */
export function approveMission(m: Mission, by: string, now: number): Transition {
  const approval = pendingApproval(m, 'approve');
  const decided: MissionApproval = { ...approval, state: 'approved', by, decidedAt: now };
  const reason = `${approval.gate} approved by ${by}`;
  if (approval.gate === 'merge')
    return { mission: { ...m, approval: decided, updatedAt: now }, event: 'approved', reason };
  const next: Mission = { ...m, status: 'pending', approval: decided, updatedAt: now };
  delete next.notBefore;
  return { mission: next, event: 'approved', reason };
}

/** push: awaiting_approval → cancelled, nothing pushed; merge: the PR is left for a person. */
export function rejectMission(m: Mission, by: string, why: string | undefined, now: number): Transition {
  const approval = pendingApproval(m, 'reject');
  const decided: MissionApproval = {
    ...approval,
    state: 'rejected',
    by,
    decidedAt: now,
    ...(why ? { reason: why } : {}),
  };
  const reason = `${approval.gate} rejected by ${by}${why ? `: ${why}` : ''}`;
  if (approval.gate === 'merge')
    return { mission: { ...m, approval: decided, updatedAt: now }, event: 'rejected', reason };
  const next: Mission = {
    ...m,
    status: 'cancelled',
    approval: decided,
    finishedAt: now,
    updatedAt: now,
    lastError: reason,
    result: { ...m.result, errorClass: 'cancelled', error: reason },
  };
  delete next.delivery;
  return { mission: next, event: 'rejected', reason };
}

/** The follow-up queued with a rejection's reason, remembered on the rejected record. */
export function noteFollowUp(m: Mission, followUp: string, now: number): Transition | undefined {
  if (!m.approval || m.approval.followUp === followUp) return undefined;
  return { mission: { ...m, approval: { ...m.approval, followUp }, updatedAt: now } };
}

/** The follow-up's context: what was rejected and why, for the agent's prompt. */
export function followUpContext(m: Mission, by: string, why: string): string {
  const changed = m.approval?.summary ? ` It had: ${m.approval.summary}.` : '';
  return `An earlier attempt at this mission (${m.id}) was rejected by ${by} before it was pushed.${changed}\nThe reason given: ${why}`;
}

function pendingApproval(m: Mission, action: string): MissionApproval {
  const approval = m.approval;
  const holds =
    approval?.state === 'pending' &&
    ((approval.gate === 'push' && m.status === 'awaiting_approval') ||
      (approval.gate === 'merge' && m.status === 'done'));
  if (!holds || !approval) throw new NoPendingApprovalError(m, action);
  return approval;
}
