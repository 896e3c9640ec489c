// Day budgets against the day ledger: which budgets today's spend has reached, with today's
// raise (`/budget raise`, KV key `budget.raise.<day>`) added to the configured limits. A reached
// system budget holds all dispatch, a reached project budget that project's missions, until the
// next UTC day or a raise. Pure; docs/missions.md#spend-and-budgets.
import { nextUtcMidnight, type DaySpend, type Spend } from './dayLedger.js';

/** budgets.day from the config: per project and for the whole system; 0 = unlimited. */
export interface DayBudgets {
  project: Spend;
  system: Spend;
}

/** What the operator added to today's limits; each raise adds to the last. */
export interface BudgetRaise {
  day: string;
  system: Spend;
  projects: Record<string, Spend>;
  by: string;
  at: number;
}

export const raiseKey = (day: string): string => `budget.raise.${day}`;

export const METRICS = ['usd', 'tokens', 'turns'] as const satisfies ReadonlyArray<keyof Spend>;
export type Metric = (typeof METRICS)[number];

export interface ReachedBudget {
  /** 'system', or the project's name. */
  scope: string;
  metric: Metric;
  spent: number;
  limit: number;
}

/** Today's limits of one scope: the configured ones plus today's raise; a 0 (unlimited) stays 0. */
export function limitsFor(budgets: DayBudgets, raise: BudgetRaise | undefined, project?: string): Spend {
  const base = project === undefined ? budgets.system : budgets.project;
  const extra = project === undefined ? raise?.system : raise?.projects[project];
  const one = (m: Metric) => (base[m] > 0 ? base[m] + (extra?.[m] ?? 0) : 0);
  return { usd: one('usd'), tokens: one('tokens'), turns: one('turns') };
}

function reachedIn(scope: string, spent: Spend, limits: Spend): ReachedBudget[] {
  return METRICS.filter((m) => limits[m] > 0 && spent[m] >= limits[m]).map((metric) => ({
    scope,
    metric,
    spent: spent[metric],
    limit: limits[metric],
  }));
}

/** Every budget today's spend has reached, system first, then projects by name. */
export function reachedBudgets(budgets: DayBudgets, spend: DaySpend, raise: BudgetRaise | undefined): ReachedBudget[] {
  const live = raise?.day === spend.day ? raise : undefined;
  const projects = Object.keys(spend.projects).sort();
  return [
    ...reachedIn('system', spend.system, limitsFor(budgets, live)),
    ...projects.flatMap((p) => reachedIn(p, spend.projects[p]!, limitsFor(budgets, live, p))),
  ];
}

/** What a reached day budget holds: all dispatch, or the missions of some projects, until `until`. */
export interface BudgetHold {
  day: string;
  system: boolean;
  projects: string[];
  until: number;
  reached: ReachedBudget[];
}

export function budgetHoldOf(
  budgets: DayBudgets,
  spend: DaySpend,
  raise: BudgetRaise | undefined,
  now: number,
): BudgetHold | undefined {
  const reached = reachedBudgets(budgets, spend, raise);
  if (reached.length === 0) return undefined;
  return {
    day: spend.day,
    system: reached.some((r) => r.scope === 'system'),
    projects: [...new Set(reached.filter((r) => r.scope !== 'system').map((r) => r.scope))],
    until: nextUtcMidnight(now),
    reached,
  };
}

/** "$5.00", "1.2M tokens", "40 turns". */
export function amountText(metric: Metric, value: number): string {
  if (metric === 'usd') return `$${value.toFixed(2)}`;
  const n =
    value >= 1_000_000
      ? `${(value / 1_000_000).toFixed(1)}M`
      : value >= 1_000
        ? `${(value / 1_000).toFixed(1)}k`
        : String(Math.round(value));
  return `${n} ${metric === 'tokens' ? 'tokens' : value === 1 ? 'turn' : 'turns'}`;
}

/** "$4.20", "1.2M", "30": an amount whose unit is said once, after the limit. */
export const bareAmount = (metric: Metric, value: number): string =>
  metric === 'usd' ? amountText(metric, value) : amountText(metric, value).replace(/ \w+$/, '');

/** "system day budget reached: $5.01 of $5.00", "project app day budget reached: 3 of 3 turns". */
export function reachedText(r: ReachedBudget): string {
  const who = r.scope === 'system' ? 'system' : `project ${r.scope}`;
  return `${who} day budget reached: ${bareAmount(r.metric, r.spent)} of ${amountText(r.metric, r.limit)}`;
}

/** A stable id per day and budget: the alert for it is sent once. */
export const alertId = (day: string, r: Pick<ReachedBudget, 'scope' | 'metric'>): string =>
  `budget-${day}-${r.scope === 'system' ? 'system' : `p-${r.scope}`}-${r.metric}`;
