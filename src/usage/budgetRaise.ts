// `/budget raise <amount> [project]` and `/budget reset`: today's raise, one record in KV key
// `budget.raise.<day>` added to the configured day budgets (dayBudget.ts). Raises add up; a reset
// removes today's raise. A raise ends with its day. docs/missions.md#spend-and-budgets
import type { JsonKv } from '../bus/index.js';
import { BadRequestError } from '../missions/errors.js';
import { raiseKey, type BudgetRaise, type DayBudgets, type Metric } from './dayBudget.js';
import { addSpend, noSpend, utcDay } from './dayLedger.js';

const UNITS: Record<string, Metric> = {
  '': 'usd',
  usd: 'usd',
  $: 'usd',
  tok: 'tokens',
  token: 'tokens',
  tokens: 'tokens',
  turn: 'turns',
  turns: 'turns',
};

/** "5", "$5", "2.50usd", "200k tokens", "1.5M tok", "20 turns" → what to add; refused otherwise. */
export function parseAmount(text: string): { metric: Metric; value: number } {
  const match = /^\s*(\$)?\s*(\d+(?:\.\d+)?)\s*([kKmM])?\s*([a-zA-Z$]*)\s*$/.exec(text);
  const metric = match ? UNITS[(match[4] ?? '').toLowerCase() || (match[1] ?? '')] : undefined;
  if (!match || !metric || (match[1] && metric !== 'usd'))
    throw new BadRequestError(
      `a raise takes an amount like "5" or "$5" (USD), "200k tokens" or "20 turns", got "${text}"`,
    );
  const scale = match[3] ? (match[3].toLowerCase() === 'k' ? 1_000 : 1_000_000) : 1;
  const value = Number(match[2]) * scale;
  if (!(value > 0)) throw new BadRequestError(`a raise must be more than 0, got "${text}"`);
  if (metric !== 'usd' && !Number.isInteger(value))
    throw new BadRequestError(`${metric} are counted whole, got "${text}"`);
  return { metric, value };
}

export async function readRaise(kv: JsonKv, day: string): Promise<BudgetRaise | undefined> {
  return (await kv.get<BudgetRaise>(raiseKey(day)))?.value;
}

/** Adds `amount` to today's limit of the system (no project) or of `project`; returns the raise in force. */
export async function raiseToday(
  kv: JsonKv,
  budgets: DayBudgets,
  amount: { metric: Metric; value: number },
  project: string | undefined,
  by: string,
  now: number,
): Promise<BudgetRaise> {
  const limits = project === undefined ? budgets.system : budgets.project;
  const scope = project === undefined ? 'system' : `project (${project})`;
  if (!(limits[amount.metric] > 0))
    throw new BadRequestError(`the ${scope} day budget has no ${amount.metric} limit (unlimited): nothing to raise`);
  const day = utcDay(now);
  const key = raiseKey(day);
  const add = { ...noSpend(), [amount.metric]: amount.value };
  const raised = await kv.modify<BudgetRaise>(key, (current) => {
    const was: BudgetRaise = current ?? { day, system: noSpend(), projects: {}, by, at: now };
    return project === undefined
      ? { ...was, system: addSpend(was.system, add), by, at: now }
      : {
          ...was,
          projects: { ...was.projects, [project]: addSpend(was.projects[project] ?? noSpend(), add) },
          by,
          at: now,
        };
  });
  return raised!;
}

/** Removes today's raise: the configured budgets apply again. */
export async function resetToday(kv: JsonKv, now: number): Promise<void> {
  await kv.delete(raiseKey(utcDay(now)));
}

/** The words after `/budget` or `roshi budget`. */
export const BUDGET_WORDS = '[raise <amount> [project] | reset]';

export type BudgetRequestPayload =
  | { verb: 'show' }
  | { verb: 'reset'; by: string }
  | { verb: 'raise'; amount: string; by: string; project?: string };

/** `[]`, `reset`, `raise 5`, `raise 200k tokens app` → the budget request; refused naming the usage. */
export function budgetRequestOf(words: string[], by: string): BudgetRequestPayload {
  const [verb = 'show', ...rest] = words;
  const usage = `usage: budget ${BUDGET_WORDS}, e.g. budget raise 5 or budget raise 200k tokens app`;
  if (verb === 'show' && rest.length === 0) return { verb };
  if (verb === 'reset' && rest.length === 0) return { verb, by };
  if (verb !== 'raise') throw new BadRequestError(usage);
  // "raise 200k tokens app": the unit may be its own word.
  const unit = rest[1] && /^(usd|\$|tok|tokens?|turns?)$/i.test(rest[1]) ? 2 : 1;
  const amount = rest.slice(0, unit).join(' ');
  const project = rest[unit];
  if (!amount || rest.length > unit + 1) throw new BadRequestError(usage);
  parseAmount(amount);
  return { verb, amount, by, ...(project ? { project } : {}) };
}
