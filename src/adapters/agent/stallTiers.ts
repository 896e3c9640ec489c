// The tiers a stalled agent goes through, like a child process: (1) a nudge into its session,
// (2) a graceful stop that keeps its result and work, (3) the process-group kill. Pure: fed the
// watch's finding and the turn count, it says what to do next (the adapter does it).
// docs/missions.md#stalls-and-budgets-per-mission
import type { StallFinding } from './stallRules.js';

export interface StallTierSettings {
  /** Send a nudge first (agent.stall.nudge); false goes straight to the graceful stop. */
  nudge: boolean;
  /** Turns the agent gets after a nudge before a stall that still holds stops it. */
  graceTurns: number;
}

export type StallAction = { tier: 'nudge'; finding: StallFinding } | { tier: 'stop'; finding: StallFinding };

export class StallTiers {
  private nudgedAtTurn: number | undefined;
  private stopped: StallFinding | undefined;
  /** The finding that led to the nudge, kept as evidence should the stop follow. */
  nudged: StallFinding | undefined;

  constructor(private readonly settings: StallTierSettings) {}

  /** The next action for a finding (or none) at `turns` turns; each tier is taken once. */
  next(finding: StallFinding | undefined, turns: number): StallAction | undefined {
    if (!finding || this.stopped) return undefined;
    if (this.settings.nudge && this.nudgedAtTurn === undefined) {
      this.nudgedAtTurn = turns;
      this.nudged = finding;
      return { tier: 'nudge', finding };
    }
    if (this.nudgedAtTurn !== undefined && turns - this.nudgedAtTurn < this.settings.graceTurns) return undefined;
    this.stopped = finding;
    return { tier: 'stop', finding };
  }

  /** The stall the run was stopped for, if it was. */
  get stoppedFor(): StallFinding | undefined {
    return this.stopped;
  }
}

/** The user message a nudge sends: what looks stuck, and what to do instead. */
export function nudgeText(finding: StallFinding): string {
  return (
    `roshi (the supervisor running you) sees no progress: ${finding.evidence}. ` +
    'Do not repeat it. Change your approach, or if the task cannot be done, say why and finish now.'
  );
}
