// `/budget`: today's spend against the day budgets; `/budget raise <amount> [project]` adds to
// today's limit, `/budget reset` removes today's raise. Answered by the missions actor
// (src/usage/budgetService.ts), like `roshi budget`. docs/chat.md#budget
import { describeError } from '../errors.js';
import { BUDGET_WORDS, budgetRequestOf, type BudgetRequestPayload } from '../usage/budgetRaise.js';
import type { BudgetReport } from '../usage/budgetService.js';
import { budgetAnswer } from '../usage/budgetText.js';
import { CommandError, type Command } from './command.js';
import { askMissions } from './treeClient.js';

export const BUDGET_USAGE = `/budget ${BUDGET_WORDS}`;

/** The request a `/budget` line makes; refused in the chat's words before it goes out. */
export function budgetRequest(args: string, by: string): BudgetRequestPayload {
  try {
    return budgetRequestOf(args.trim().split(/\s+/).filter(Boolean), by);
  } catch (error) {
    // "usage: budget raise …" in the chat's words: "/budget raise …".
    throw new CommandError(describeError(error).replace(/\bbudget (?=\[|raise|reset)/g, '/budget '));
  }
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
    return budgetAnswer(request, report);
  },
};
