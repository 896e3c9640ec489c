// Is a value read from the missions bucket a mission record? Anything on the bus can write the
// bucket (an older roshi, a person with the nats CLI, a bug), and one bad record must not break
// missions.md, the chat's situation or `mission list` for all the others: the store
// quarantines what this refuses. Checks what readers rely on (types, enums, the key), not
// every business rule.
import type { Mission, MissionKind, MissionSource, MissionStatus, OutcomeClass } from '../contracts/index.js';
import { clip } from '../text/oneLine.js';
import { approvalProblem } from './approvalRecord.js';

// Records, not lists, so adding a member to the type without adding it here is a compile error.
const STATUSES: Record<MissionStatus, true> = {
  pending: true,
  running: true,
  awaiting_approval: true,
  done: true,
  failed: true,
  cancelled: true,
};
const SOURCES: Record<MissionSource, true> = { chat: true, cli: true, nats: true, github: true, file: true, web: true };
const KINDS: Record<MissionKind, true> = {
  free: true,
  rebase: true,
  ci_check: true,
  review: true,
  implement: true,
  fix: true,
};
const OUTCOMES: Record<OutcomeClass, true> = {
  success: true,
  transient: true,
  permanent: true,
  timeout: true,
  cancelled: true,
  stalled: true,
  budget: true,
};

/** Why `value` (stored under `key`) is not a mission record; undefined when it is one. */
export function missionRecordProblem(key: string, value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const m = value as Record<string, unknown>;
  if (m.id !== key) return `field "id" is ${show(m.id)}, not the key ${JSON.stringify(key)}`;
  return (
    text(m, 'text', true) ??
    text(m, 'project', true) ??
    oneOf(m, 'kind', KINDS, true) ??
    oneOf(m, 'source', SOURCES, true) ??
    oneOf(m, 'status', STATUSES, true) ??
    text(m, 'url', false) ??
    text(m, 'by', false) ??
    text(m, 'context', false) ??
    text(m, 'lastError', false) ??
    count(m, 'order', true, false) ??
    count(m, 'attempts', true, true) ??
    count(m, 'transientAttempts', true, true) ??
    count(m, 'maxAttempts', true, true) ??
    count(m, 'maxTransientAttempts', true, true) ??
    count(m, 'createdAt', true, true) ??
    count(m, 'updatedAt', true, true) ??
    count(m, 'notBefore', false, true) ??
    count(m, 'startedAt', false, true) ??
    count(m, 'finishedAt', false, true) ??
    lease(m.lease) ??
    notice(m.notice) ??
    delivery(m.delivery) ??
    approvalProblem(m.approval) ??
    result(m.result)
  );
}

/** The value as a Mission, or the reason it is not one. */
export function asMission(key: string, value: unknown): { mission: Mission } | { problem: string } {
  const problem = missionRecordProblem(key, value);
  return problem === undefined ? { mission: value as Mission } : { problem };
}

function text(m: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = m[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') return `field "${field}" is ${show(value)}, expected a string`;
  return undefined;
}

function oneOf(
  m: Record<string, unknown>,
  field: string,
  values: Record<string, true>,
  required: boolean,
): string | undefined {
  const value = m[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !Object.hasOwn(values, value))
    return `field "${field}" is ${show(value)}, expected one of ${Object.keys(values).join(', ')}`;
  return undefined;
}

function count(m: Record<string, unknown>, field: string, required: boolean, nonNegative: boolean): string | undefined {
  const value = m[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (nonNegative && value < 0)) {
    return `field "${field}" is ${show(value)}, expected a ${nonNegative ? 'non-negative ' : ''}number`;
  }
  return undefined;
}

function lease(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) return `field "lease" is ${show(value)}, expected { runner, until }`;
  const l = value as Record<string, unknown>;
  if (typeof l.runner !== 'string' || typeof l.until !== 'number')
    return `field "lease" is ${show(value)}, expected { runner, until }`;
  return undefined;
}

function notice(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const n = value as Record<string, unknown> | null;
  if (typeof n !== 'object' || n === null || typeof n.id !== 'string' || typeof n.text !== 'string')
    return `field "notice" is ${show(value)}, expected { id, text }`;
  return undefined;
}

function delivery(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const d = value as Record<string, unknown> | null;
  const expected = `field "delivery" is ${show(value)}, expected { summary, durationMs, attempt, at }`;
  if (typeof d !== 'object' || d === null || typeof d.summary !== 'string') return expected;
  return (count(d, 'durationMs', true, true) ?? count(d, 'attempt', true, true) ?? count(d, 'at', true, true))
    ? expected
    : undefined;
}

function result(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `field "result" is ${show(value)}, expected an object`;
  const r = value as Record<string, unknown>;
  for (const field of ['summary', 'branch', 'prUrl', 'error']) {
    const problem = text(r, field, false);
    if (problem) return `result: ${problem}`;
  }
  for (const field of ['costUsd', 'durationMs']) {
    const problem = count(r, field, false, false);
    if (problem) return `result: ${problem}`;
  }
  const outcome = oneOf(r, 'errorClass', OUTCOMES, false);
  if (outcome) return `result: ${outcome}`;
  if (
    r.steps !== undefined &&
    !(
      Array.isArray(r.steps) &&
      r.steps.every((s) => typeof s === 'object' && s !== null && typeof (s as { step?: unknown }).step === 'string')
    )
  ) {
    return 'result: field "steps" is not a list of steps';
  }
  return undefined;
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(clip(value, 40));
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
