// Is a record's `approval` field one roshi can act on? Part of the mission record check
// (validate.ts): a broken one quarantines the record rather than confusing /approve.
// docs/missions.md#approval
const GATES = ['push', 'merge'];
const STATES = ['pending', 'approved', 'rejected'];

/** Why `value` is not a MissionApproval; undefined when it is one (or absent). */
export function approvalProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const expected = 'field "approval" is not { gate: push|merge, state: pending|approved|rejected, summary, askedAt }';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return expected;
  const a = value as Record<string, unknown>;
  if (typeof a.gate !== 'string' || !GATES.includes(a.gate)) return expected;
  if (typeof a.state !== 'string' || !STATES.includes(a.state)) return expected;
  if (typeof a.summary !== 'string' || typeof a.askedAt !== 'number') return expected;
  for (const field of ['by', 'reason', 'followUp'])
    if (a[field] !== undefined && typeof a[field] !== 'string') return `approval: field "${field}" is not a string`;
  if (a.decidedAt !== undefined && typeof a.decidedAt !== 'number')
    return 'approval: field "decidedAt" is not a number';
  return undefined;
}
