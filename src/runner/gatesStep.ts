// Pipeline steps `quality-gate` and `lint`: both gates in the worktree, before anything is pushed,
// and what they decide for the push (gateVerdict.ts).
import type { Logger } from '../log.js';
import { combineGates, gateEnv, runGate, type GateOutcome } from './gates.js';
import { gateVerdict, type GateVerdict } from './gateVerdict.js';
import { DEFAULT_GATE_TIMEOUT_MS, STEP, type PipelineInput, type ReportStep } from './pipelineTypes.js';

export interface GatesResult {
  /** Quality and lint combined: broken > failed > passed; off only when both are off. */
  gate: GateOutcome;
  verdict: GateVerdict;
}

export async function gatesStep(input: PipelineInput, log: Logger, report: ReportStep): Promise<GatesResult> {
  const { project, worktree } = input;
  const env = gateEnv(input.agentEnv ?? { passEnv: [], env: {} });
  const timeoutMs = input.gateTimeoutMs ?? DEFAULT_GATE_TIMEOUT_MS;
  const quality = await runGate(STEP.quality, project.qualityGate, worktree, env, timeoutMs, log);
  report(quality.report, quality.failsMission);
  const lint = await runGate(STEP.lint, project.lint, worktree, env, timeoutMs, log);
  report(lint.report, lint.failsMission);
  return {
    gate: combineGates(quality.outcome, lint.outcome),
    verdict: gateVerdict([
      { step: STEP.quality, settings: project.qualityGate, run: quality },
      { step: STEP.lint, settings: project.lint, run: lint },
    ]),
  };
}
