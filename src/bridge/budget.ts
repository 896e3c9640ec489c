// `/budget`: today's spend against the day budgets; `/budget raise <amount> [project]` adds to
// today's limit, `/budget reset` removes today's raise. Answered by the missions actor
// (src/usage/budgetService.ts), like `roshi budget`. docs/chat.md#budget
import { describeError } from '../errors.js';
import { parseAmount } from '../usage/budgetRaise.js';
import type { BudgetReport } from '../usage/budgetService.js';
import { formatBudget } from '../usage/budgetText.js';
import { CommandError, type Command } from './command.js';
import { askMissions } from './treeClient.js';

export const BUDGET_USAGE = '/budget [raise <amount> [project] | reset]';

/** The request a `/budget` line makes; refused in the chat's words before it goes out. */
export function budgetRequest(args: string, by: string): Record<string, unknown> {
  const [verb = 'show', ...rest] = args.trim().split(/\s+/).filter(Boolean);
  if (verb === 'show' && rest.length === 0) return { verb };
  if (verb === 'reset' && rest.length === 0) return { verb, by };
  if (verb !== 'raise') throw new CommandError(`usage: ${BUDGET_USAGE}`);
  // "raise 200k tokens app": the unit may be its own word.
  const unit = rest[1] && /^(usd|\$|tok|tokens?|turns?)$/i.test(rest[1]) ? 2 : 1;
  const amount = rest.slice(0, unit).join(' ');
  const project = rest[unit];
  if (!amount || rest.length > unit + 1)
    throw new CommandError(`usage: ${BUDGET_USAGE}, e.g. /budget raise 5 or /budget raise 200k tokens app`);
  try {
    parseAmount(amount);
  } catch (error) {
    throw new CommandError(describeError(error));
  }
  return { verb, amount, by, ...(project ? { project } : {}) };
}

export const budgetCommand: Command = {
  name: 'budget',
  aliases: [],
  category: 'control',
  usage: BUDGET_USAGE,
  summary: "today's spend against the day budgets; raise today's limit, or reset the raise",
  run: async (ctx) => {
    const request = budgetRequest(ctx.args, ctx.by);
    const report = await askMissions<BudgetReport>(ctx.api, 'budget', request);
    const head =
      request.verb === 'raise'
        ? `▲ raised for today by ${String(request.amount)}${request.project ? ` (${String(request.project)})` : ''}\n`
        : request.verb === 'reset'
          ? "↺ today's raise removed\n"
          : '';
    return head + formatBudget(report);
  },
};
