// Today's spend against the day budgets in the operator's words, for `/budget`, `/usage` and
// `roshi budget`: one line per scope ("system: $4.20 of $5.00 · 1.2M tokens · 30 of 100 turns"),
// what is held and why, and today's raise.
import { amountText, bareAmount, METRICS, type ReachedBudget } from './dayBudget.js';
import type { BudgetRequestPayload } from './budgetRaise.js';
import type { BudgetReport } from './budgetService.js';
import type { Spend } from './dayLedger.js';

function scopeLine(label: string, spent: Spend, limits: Spend): string {
  const parts = METRICS.map((m) =>
    limits[m] > 0 ? `${bareAmount(m, spent[m])} of ${amountText(m, limits[m])}` : amountText(m, spent[m]),
  );
  return `${label}: ${parts.join(' · ')}`;
}

const hasLimit = (s: Spend) => s.usd > 0 || s.tokens > 0 || s.turns > 0;

/** Lines of spend against budget; projects shown when they spent today or have a budget. */
export function budgetLines(report: BudgetReport): string[] {
  const lines = [scopeLine('system', report.spend.system, report.limits.system)];
  for (const [project, limits] of Object.entries(report.limits.projects)) {
    const spent = report.spend.projects[project];
    if (spent || hasLimit(limits))
      lines.push(scopeLine(`project ${project}`, spent ?? { usd: 0, tokens: 0, turns: 0 }, limits));
  }
  if (!hasLimit(report.limits.system) && !Object.values(report.limits.projects).some(hasLimit))
    lines.push('no day budget set (budgets.day.*)');
  return lines;
}

/** "⏸ day budget reached: all dispatch held until 00:00 UTC or /budget raise (system: 2 of 2 turns)". */
export function budgetHeldLine(reached: ReachedBudget[]): string {
  const system = reached.some((r) => r.scope === 'system');
  const projects = [...new Set(reached.filter((r) => r.scope !== 'system').map((r) => r.scope))];
  const what = system ? 'all dispatch' : `missions of ${projects.join(', ')}`;
  const why = reached.map((r) => `${r.scope}: ${bareAmount(r.metric, r.spent)} of ${amountText(r.metric, r.limit)}`);
  return `⏸ day budget reached: ${what} held until 00:00 UTC or /budget raise (${why.join('; ')})`;
}

export function formatBudget(report: BudgetReport): string {
  const lines = [`day budgets, ${report.day} (UTC):`, ...budgetLines(report)];
  if (report.hold) lines.push(budgetHeldLine(report.hold.reached));
  const raise = report.raise;
  if (raise) {
    const raised = [
      ...(hasLimit(raise.system) ? [`system ${raiseText(raise.system)}`] : []),
      ...Object.entries(raise.projects).map(([p, s]) => `${p} ${raiseText(s)}`),
    ];
    lines.push(`raised today: ${raised.join('; ')} (last by ${raise.by}); /budget reset removes it`);
  }
  return lines.join('\n');
}

const raiseText = (s: Spend) =>
  METRICS.filter((m) => s[m] > 0)
    .map((m) => `+${amountText(m, s[m])}`)
    .join(' ');

/** The answer to a budget request: what was done, then the report. */
export function budgetAnswer(request: BudgetRequestPayload, report: BudgetReport): string {
  const head =
    request.verb === 'raise'
      ? `▲ raised for today by ${request.amount}${request.project ? ` (${request.project})` : ''}\n`
      : request.verb === 'reset'
        ? "↺ today's raise removed\n"
        : '';
  return head + formatBudget(report);
}
