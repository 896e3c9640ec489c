// Follows today's ledger entries and raise in KV and says, on every change, which day budgets
// are reached (dayBudget.ts). At the next UTC midnight it starts over on the new day, whose
// ledger is empty: a hold ends by itself when its day does. With no budget set it watches nothing.
import type { JsonKv } from '../bus/index.js';
import { budgetHoldOf, raiseKey, type BudgetHold, type BudgetRaise, type DayBudgets } from './dayBudget.js';
import {
  applyEntry,
  nextUtcMidnight,
  noSpend,
  SPEND_PREFIX,
  utcDay,
  type DaySpend,
  type LedgerEntry,
} from './dayLedger.js';

export const hasDayBudget = (b: DayBudgets): boolean =>
  [b.project, b.system].some((s) => s.usd > 0 || s.tokens > 0 || s.turns > 0);

export class DayBudgetWatch {
  private spend: DaySpend = { day: '', system: noSpend(), projects: {} };
  private raise: BudgetRaise | undefined;
  private current: BudgetHold | undefined;
  private stops: Array<() => void> = [];
  private dayTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly kv: JsonKv,
    private readonly budgets: DayBudgets,
    private readonly onChange: (hold: BudgetHold | undefined) => void,
    private readonly now: () => number,
  ) {}

  /** Resolves once today's entries are read; `onChange` is then called for every change of the hold. */
  static async start(
    kv: JsonKv,
    budgets: DayBudgets,
    onChange: (hold: BudgetHold | undefined) => void,
    now: () => number = Date.now,
  ): Promise<DayBudgetWatch> {
    const watch = new DayBudgetWatch(kv, budgets, onChange, now);
    if (hasDayBudget(budgets)) await watch.follow();
    return watch;
  }

  /** The budgets reached now, if any. */
  get hold(): BudgetHold | undefined {
    return this.current;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.dayTimer);
    for (const stop of this.stops.splice(0)) stop();
  }

  private async follow(): Promise<void> {
    const now = this.now();
    const day = utcDay(now);
    this.spend = { day, system: noSpend(), projects: {} };
    this.raise = undefined;
    let ready = false;
    const spendWatch = await this.kv.watch<LedgerEntry>(
      {
        onChange: (c) => {
          applyEntry(this.spend, c.key, c.operation === 'put' ? c.value : undefined);
          if (ready) this.decide();
        },
      },
      { key: `${SPEND_PREFIX}.${day}.>` },
    );
    const raiseWatch = await this.kv.watch<BudgetRaise>(
      {
        onChange: (c) => {
          this.raise = c.operation === 'put' ? c.value : undefined;
          if (ready) this.decide();
        },
      },
      { key: raiseKey(day) },
    );
    this.stops.push(
      () => spendWatch.stop(),
      () => raiseWatch.stop(),
    );
    await Promise.all([spendWatch.initialized, raiseWatch.initialized]);
    ready = true;
    this.decide();
    this.dayTimer = setTimeout(() => void this.nextDay(), nextUtcMidnight(now) - now + 10);
  }

  private async nextDay(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    if (!this.stopped) await this.follow();
  }

  private decide(): void {
    const hold = budgetHoldOf(this.budgets, this.spend, this.raise, this.now());
    // Only a budget newly reached or no longer reached is news; the figures of a held one still move.
    const names = (h: BudgetHold | undefined) => (h?.reached ?? []).map((r) => `${r.scope} ${r.metric}`).join('\n');
    if (names(hold) === names(this.current)) {
      this.current = hold;
      return;
    }
    this.current = hold;
    this.onChange(hold);
  }
}
