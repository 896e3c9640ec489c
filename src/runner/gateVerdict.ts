// What the gates decide for the push (docs/missions.md#gates-and-pull-requests): a red strict
// gate pushes nothing (onFail: block, the default), or pushes a draft PR that says why
// (onFail: draft). Any red strict gate that blocks wins; an onFail value other than draft blocks.
import type { GateRun, GateSettings } from './gates.js';

export const GATE_ON_FAIL = ['block', 'draft'] as const;

export type GateAction = 'push' | 'draft' | 'block';

export interface GateVerdict {
  action: GateAction;
  /** "quality-gate failed, lint broken": the red strict gates, empty when there are none. */
  red: string;
  /** One entry per red strict gate: "<step>: <detail with its output tail>", for the draft PR. */
  details: string[];
}

export function gateVerdict(gates: ReadonlyArray<{ step: string; settings: GateSettings; run: GateRun }>): GateVerdict {
  const red = gates.filter((g) => g.run.failsMission);
  if (red.length === 0) return { action: 'push', red: '', details: [] };
  const draft = red.every((g) => g.settings.onFail === 'draft');
  return {
    action: draft ? 'draft' : 'block',
    red: red.map((g) => `${g.step} ${g.run.outcome}`).join(', '),
    details: red.map((g) => `${g.step}: ${g.run.report.detail}`),
  };
}
