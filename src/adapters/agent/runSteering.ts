// Steering a running agent by its progress and spend: each parsed event goes to the stall watch
// and the spend meter; the worktree is fingerprinted at most every checkInterval; a stall is
// answered by its tiers (nudge, then the graceful stop) and a reached mission budget by the
// graceful stop. The stop is an interrupt and stdin closed (docs/claude-cli.md#streaming-input);
// the caller's `kill` is tier 3 when the CLI has not ended within stopGrace.
// docs/missions.md#stalls-and-budgets-per-mission
import type { Logger } from '../../log.js';
import type { AgentInput } from './agentInput.js';
import { type BudgetReached, describeBudget, type Spend, RunSpend, type SpendLimits } from './runSpend.js';
import { ProgressWatch, type StallFinding, type StallSettings } from './stallRules.js';
import { nudgeText, StallTiers, type StallTierSettings } from './stallTiers.js';
import type { StreamEvent } from './streamJson.js';

export interface SteeringSettings {
  stall: StallSettings & StallTierSettings & { checkIntervalMs: number; stopGraceMs: number };
  budget: SpendLimits;
}

/** Why roshi stopped the run early; the result's outcome is then `stalled` or `budget`. */
export type SteeringStop =
  | { reason: 'stalled'; finding: StallFinding; nudged?: StallFinding }
  | { reason: 'budget'; reached: BudgetReached };

export interface SteeringHooks {
  input: AgentInput;
  /** A fingerprint of the worktree, undefined when it cannot tell (worktreeFingerprint.ts). */
  fingerprint: () => Promise<string | undefined>;
  /** One line for the live progress (kind `stall` or `budget`). */
  report: (kind: 'stall' | 'budget', text: string, stall?: StallFinding) => void;
  /** Tier 3: the process-group kill. */
  kill: (reason: 'stall' | 'budget') => void;
  log: Logger;
  now?: () => number;
}

export class RunSteering {
  private readonly watch: ProgressWatch;
  private readonly tiers: StallTiers;
  private readonly meter = new RunSpend();
  private readonly now: () => number;
  private lastCheck = Number.NEGATIVE_INFINITY;
  private checking = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private stop: SteeringStop | undefined;
  private disposed = false;

  constructor(
    private readonly settings: SteeringSettings,
    maxTurns: number,
    private readonly hooks: SteeringHooks,
  ) {
    this.now = hooks.now ?? Date.now;
    this.watch = new ProgressWatch(settings.stall, maxTurns, this.now());
    this.tiers = new StallTiers(settings.stall);
    this.fingerprintNow();
  }

  observe(event: StreamEvent): void {
    this.watch.observe(event);
    this.meter.observe(event);
    if (event.kind === 'result') {
      // The session is over: closing stdin lets the CLI exit (it waits for more input otherwise).
      this.hooks.input.close();
      return;
    }
    if (event.kind !== 'assistant' && event.kind !== 'tool_results') return;
    if (this.stop) return;
    if (event.kind === 'assistant') {
      const reached = this.meter.reached(this.settings.budget);
      if (reached) return this.gracefulStop({ reason: 'budget', reached }, describeBudget(reached));
    }
    this.judge();
    if (this.now() - this.lastCheck >= this.settings.stall.checkIntervalMs) this.fingerprintNow();
  }

  /** Why the run was stopped early, if it was. */
  get stoppedFor(): SteeringStop | undefined {
    return this.stop;
  }

  spent(): Spend {
    return this.meter.spent();
  }

  /** The run ended: no kill is pending any more. */
  dispose(): void {
    this.disposed = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
  }

  private judge(): void {
    if (this.stop || this.disposed) return;
    const action = this.tiers.next(this.watch.check(this.now()), this.watch.turns);
    if (!action) return;
    if (action.tier === 'nudge') {
      this.hooks.log.warn({ rule: action.finding.rule, evidence: action.finding.evidence }, 'agent stalled: nudged');
      this.hooks.report('stall', `nudged: ${action.finding.evidence}`, action.finding);
      this.hooks.input.user(nudgeText(action.finding));
      return;
    }
    const nudged = this.tiers.nudged;
    this.gracefulStop(
      { reason: 'stalled', finding: action.finding, ...(nudged ? { nudged } : {}) },
      `stopping: ${action.finding.evidence}`,
      action.finding,
    );
  }

  private gracefulStop(stop: SteeringStop, text: string, finding?: StallFinding): void {
    this.stop = stop;
    const kind = stop.reason === 'budget' ? 'budget' : 'stall';
    this.hooks.log.warn({ stop }, `agent stopped at a turn boundary: ${text}`);
    this.hooks.report(kind, text, finding);
    this.hooks.input.interrupt();
    this.hooks.input.close();
    this.graceTimer = setTimeout(() => this.hooks.kill(kind), this.settings.stall.stopGraceMs);
    this.graceTimer.unref?.();
  }

  private fingerprintNow(): void {
    if (this.checking || this.disposed) return;
    this.checking = true;
    this.lastCheck = this.now();
    this.hooks
      .fingerprint()
      .then((fp) => {
        if (fp !== undefined) this.watch.observeWorktree(fp, this.now());
        this.judge();
      })
      .catch((error: unknown) => this.hooks.log.debug({ err: error }, 'worktree fingerprint failed'))
      .finally(() => {
        this.checking = false;
      });
  }
}
