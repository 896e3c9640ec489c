// `roshi budget [raise <amount> [project] | reset] [--by who] [--json]`: today's spend against
// the day budgets, through the same request as `/budget` (the missions actor answers;
// src/usage/budgetService.ts). docs/missions.md#spend-and-budgets
import { BusError, describeError, NoResponderError, RemoteError, UsageError } from '../errors.js';
import { BUDGET_WORDS, budgetRequestOf } from '../usage/budgetRaise.js';
import type { BudgetReport } from '../usage/budgetService.js';
import { budgetAnswer } from '../usage/budgetText.js';
import { withBus } from './client.js';
import type { CommandContext } from './context.js';

export const summary = `budget ${BUDGET_WORDS}: today's spend against the day budgets; raise or reset today's limit`;

export async function run(ctx: CommandContext): Promise<number> {
  const by = typeof ctx.args.flags.by === 'string' ? ctx.args.flags.by : 'cli';
  let request;
  try {
    request = budgetRequestOf(ctx.args.positionals, by);
  } catch (error) {
    throw new UsageError(describeError(error));
  }
  const report = await withBus(ctx, async (bus) => {
    const subject = bus.subjects.missions('budget');
    try {
      return await bus.request<BudgetReport>(subject, request);
    } catch (error) {
      if (error instanceof RemoteError) throw new UsageError(describeError(error));
      if (error instanceof NoResponderError)
        throw new BusError(`no missions actor is answering on ${subject}; is the supervisor running?`);
      throw error;
    }
  });
  ctx.print(ctx.args.json ? JSON.stringify(report, null, 2) : budgetAnswer(request, report));
  return 0;
}
