// The missions actor's part of the day budgets: the `budget` request (show, raise, reset) on
// <prefix>.missions.budget for `/budget` and `roshi budget`, and the keeper that, when a day
// budget is reached, sends ONE chat alert per budget and day (a KV create decides who sends it)
// and writes the system hold as `dispatch.budget` for /status. docs/missions.md#spend-and-budgets
import { publishDurable, type Bus, type EndpointSpec, type JsonKv, type Payload } from '../bus/index.js';
import { RemoteError, RoshiError } from '../errors.js';
import type { Logger } from '../log.js';
import { BUDGET_HOLD_KEY, type DispatchHold } from '../missions/dispatchHold.js';
import { BadRequestError } from '../missions/errors.js';
import { parseAmount, raiseToday, readRaise, resetToday } from './budgetRaise.js';
import {
  alertId,
  budgetHoldOf,
  limitsFor,
  reachedText,
  type BudgetHold,
  type BudgetRaise,
  type DayBudgets,
} from './dayBudget.js';
import { DayBudgetWatch } from './dayBudgetWatch.js';
import { projectToken, pruneOldDays, readDaySpend, utcDay, type DaySpend, type Spend } from './dayLedger.js';

/** What `budget show` (and raise, reset) answers: today's spend, limits and what is held. */
export interface BudgetReport {
  day: string;
  spend: DaySpend;
  /** Today's limits (configured + raise; 0 = unlimited): the system's, and each project's that spent or is configured. */
  limits: { system: Spend; projects: Record<string, Spend> };
  raise?: BudgetRaise;
  hold?: BudgetHold;
}

export async function budgetReport(
  kv: JsonKv,
  budgets: DayBudgets,
  projects: string[],
  now: number,
): Promise<BudgetReport> {
  const day = utcDay(now);
  const [spend, raise] = await Promise.all([readDaySpend(kv, day), readRaise(kv, day)]);
  const names = [...new Set([...projects, ...Object.keys(spend.projects)])].sort();
  const limits = {
    system: limitsFor(budgets, raise),
    projects: Object.fromEntries(names.map((p) => [p, limitsFor(budgets, raise, p)])),
  };
  const hold = budgetHoldOf(budgets, spend, raise, now);
  return { day, spend, limits, ...(raise ? { raise } : {}), ...(hold ? { hold } : {}) };
}

/** The one validator of a budget request's payload. */
export function readBudgetRequest(
  payload: Payload,
  projects: string[],
):
  | { verb: 'show' }
  | { verb: 'reset'; by: string }
  | { verb: 'raise'; amount: ReturnType<typeof parseAmount>; project?: string; by: string } {
  const verb = payload.verb ?? 'show';
  const by = typeof payload.by === 'string' && payload.by !== '' ? payload.by : 'nats';
  if (verb === 'show') return { verb };
  if (verb === 'reset') return { verb, by };
  if (verb !== 'raise') throw new BadRequestError(`budget takes show, raise or reset, got ${JSON.stringify(verb)}`);
  if (typeof payload.amount !== 'string' && typeof payload.amount !== 'number')
    throw new BadRequestError('budget raise needs an amount, e.g. "5" (USD), "200k tokens", "20 turns"');
  const amount = parseAmount(String(payload.amount));
  if (payload.project === undefined || payload.project === '') return { verb, amount, by };
  if (typeof payload.project !== 'string' || !projects.includes(payload.project))
    throw new BadRequestError(
      `unknown project ${JSON.stringify(payload.project)}; projects: ${projects.join(', ') || 'none'}`,
    );
  return { verb, amount, project: payload.project, by };
}

export function budgetEndpoints(
  kv: JsonKv,
  budgets: DayBudgets,
  projects: string[],
  subject: string,
  logger: Logger,
): EndpointSpec[] {
  const handle = async (payload: Payload): Promise<BudgetReport> => {
    const request = readBudgetRequest(payload, projects);
    const now = Date.now();
    if (request.verb === 'raise') {
      await raiseToday(kv, budgets, request.amount, request.project, request.by, now);
      logger.info({ by: request.by, ...request.amount, project: request.project }, 'day budget raised for today');
    } else if (request.verb === 'reset') {
      await resetToday(kv, now);
      logger.info({ by: request.by }, "today's budget raise removed");
    }
    return budgetReport(kv, budgets, projects, now);
  };
  return [
    {
      name: 'budget',
      subject,
      handler: async (payload) => {
        try {
          return await handle(payload);
        } catch (error) {
          if (error instanceof RoshiError && !(error instanceof RemoteError))
            throw new RemoteError(error.message, error.code);
          throw error;
        }
      },
    },
  ];
}

/**
 * Follows the day budgets: one alert per reached budget and day, and `dispatch.budget` kept.
 * Also deletes the keys of days past KEEP_DAYS, at start and daily, so the bucket does not grow.
 */
export async function keepBudgetHold(kv: JsonKv, bus: Bus, budgets: DayBudgets, logger: Logger): Promise<() => void> {
  const onChange = (hold: BudgetHold | undefined) =>
    void Promise.all([writeHoldRecord(kv, hold), ...(hold ? [alertOnce(kv, bus, hold, logger)] : [])]).catch(
      (error: unknown) => logger.warn({ err: error }, 'day budget hold not recorded; the next change retries'),
    );
  const watch = await DayBudgetWatch.start(kv, budgets, onChange);
  onChange(watch.hold);
  const prune = () =>
    void pruneOldDays(kv, Date.now()).then(
      (n) => n > 0 && logger.info({ keys: n }, 'old day ledger keys deleted'),
      (error: unknown) => logger.warn({ err: error }, 'old day ledger keys not deleted; tomorrow again'),
    );
  prune();
  const daily = setInterval(prune, 86_400_000);
  return () => {
    clearInterval(daily);
    watch.stop();
  };
}

async function writeHoldRecord(kv: JsonKv, hold: BudgetHold | undefined): Promise<void> {
  const system = hold?.reached.filter((r) => r.scope === 'system') ?? [];
  if (!hold || system.length === 0) {
    if (await kv.get(BUDGET_HOLD_KEY)) await kv.delete(BUDGET_HOLD_KEY);
    return;
  }
  const record: DispatchHold = {
    until: hold.until,
    reason: `${system.map(reachedText).join('; ')} (/budget raise)`,
    by: 'budget',
    at: Date.now(),
  };
  await kv.put(BUDGET_HOLD_KEY, record);
}

async function alertOnce(kv: JsonKv, bus: Bus, hold: BudgetHold, logger: Logger): Promise<void> {
  for (const r of hold.reached) {
    const id = alertId(hold.day, r);
    const scope = r.scope === 'system' ? 'system' : `p.${projectToken(r.scope)}`;
    try {
      await kv.create(`budget.alert.${hold.day}.${scope}.${r.metric}`, { id, at: Date.now() });
    } catch {
      continue; // sent already (or being sent) for this budget today
    }
    const waits = r.scope === 'system' ? 'no mission starts' : `no ${r.scope} mission starts`;
    const text = `💸 ${reachedText(r)}. ${waits} until 00:00 UTC; queued missions wait. /budget raise <amount>${r.scope === 'system' ? '' : ` ${r.scope}`} to go on`;
    try {
      await publishDurable(
        bus,
        bus.subjects.bridgeOut,
        { id, kind: 'notification', source: 'missions', text, at: Date.now() },
        id,
      );
    } catch (error) {
      await kv.delete(`budget.alert.${hold.day}.${scope}.${r.metric}`).catch(() => undefined); // the next change tries again
      throw error;
    }
    logger.warn({ budget: r }, 'day budget reached; dispatch held');
  }
}
