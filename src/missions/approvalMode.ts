// Which approval gate a mission stops at (docs/missions.md#approval): its project's
// `approval` when set, else missions.approval.<kind>. A project that wants a person to look
// before anything is pushed wants it for every kind; a kind default covers the rest.
import type { RoshiConfig } from '../config/index.js';
import type { ApprovalMode, Mission } from '../contracts/index.js';

export function approvalModeFor(config: RoshiConfig, m: Pick<Mission, 'project' | 'kind'>): ApprovalMode {
  const project = config.projects[m.project]?.approval;
  if (project) return project;
  return config.missions.approval[m.kind] ?? 'none';
}

/** The gate this run must stop at: none once the mission's approval for it was given. */
export function gateToHold(mode: ApprovalMode, m: Pick<Mission, 'approval'>): ApprovalMode {
  if (mode === 'none') return 'none';
  return m.approval?.gate === mode && m.approval.state === 'approved' ? 'none' : mode;
}
