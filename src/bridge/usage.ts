// `/usage`: what the agents cost today and this week, from <stateDir>/usage.jsonl — one JSON line
// per agent run (src/usage/record.ts; format in docs/operations.md#usagejsonl): mission runs of
// every outcome and chat runs (kind 'chat'), counted apart and by outcome. `at` is an ISO time or
// ms since the epoch; `tokens` is { input, output, cacheRead, cacheWrite } or a number; a line
// without an outcome (written before outcomes were) is a success. Unreadable lines are counted,
// never fatal. Below: today's spend against each day budget, from the missions actor's ledger.
import { readFile } from 'node:fs/promises';
import { describeError } from '../errors.js';
import type { BudgetReport } from '../usage/budgetService.js';
import { budgetLines } from '../usage/budgetText.js';
import type { CommandContext } from './command.js';
import { askMissions } from './treeClient.js';

/** How many runs, and how many of them ended each way (by outcome class). */
export interface RunCounts {
  runs: number;
  outcomes: Record<string, number>;
}

export interface UsageTotals {
  costUsd: number;
  tokens: number;
  missions: RunCounts;
  chat: RunCounts;
}

export interface UsageSummary {
  today: UsageTotals;
  week: UsageTotals;
  unreadable: number;
}

const empty = (): UsageTotals => ({
  costUsd: 0,
  tokens: 0,
  missions: { runs: 0, outcomes: {} },
  chat: { runs: 0, outcomes: {} },
});

/** Local midnight of `now`'s day, and of the Monday that starts its week. */
export function periodStarts(now: number): { day: number; week: number } {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  const day = d.getTime();
  const sinceMonday = (d.getDay() + 6) % 7;
  d.setDate(d.getDate() - sinceMonday);
  return { day, week: d.getTime() };
}

function tokensOf(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value && typeof value === 'object') {
    return Object.values(value as Record<string, unknown>).reduce<number>(
      (sum, v) => sum + (typeof v === 'number' && Number.isFinite(v) ? v : 0),
      0,
    );
  }
  return 0;
}

export function summariseUsage(text: string, now: number): UsageSummary {
  const { day, week } = periodStarts(now);
  const summary: UsageSummary = { today: empty(), week: empty(), unreadable: 0 };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let entry: { at?: unknown; costUsd?: unknown; tokens?: unknown; kind?: unknown; outcome?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      summary.unreadable++;
      continue;
    }
    const at = typeof entry.at === 'number' ? entry.at : typeof entry.at === 'string' ? Date.parse(entry.at) : NaN;
    if (!Number.isFinite(at)) {
      summary.unreadable++;
      continue;
    }
    if (at < week || at > now + 60_000) continue;
    const cost = typeof entry.costUsd === 'number' && Number.isFinite(entry.costUsd) ? entry.costUsd : 0;
    const tokens = tokensOf(entry.tokens);
    const outcome = typeof entry.outcome === 'string' && entry.outcome !== '' ? entry.outcome : 'success';
    for (const totals of at >= day ? [summary.today, summary.week] : [summary.week]) {
      const counts = entry.kind === 'chat' ? totals.chat : totals.missions;
      counts.runs++;
      counts.outcomes[outcome] = (counts.outcomes[outcome] ?? 0) + 1;
      totals.costUsd += cost;
      totals.tokens += tokens;
    }
  }
  return summary;
}

export async function readUsage(file: string, now: number): Promise<UsageSummary> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return summariseUsage(text, now);
}

export function compactNumber(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(n >= 10_000_000 ? 0 : 1)}M`;
  if (n >= 1_000) return `${(n / 1_000).toFixed(n >= 10_000 ? 0 : 1)}k`;
  return String(Math.round(n));
}

/** Outcome classes in the operator's words, in the order /usage lists them. */
const OUTCOME_WORDS: Record<string, string> = {
  success: 'succeeded',
  permanent: 'failed',
  transient: 'failed (transient)',
  timeout: 'timed out',
  cancelled: 'cancelled',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "3 mission runs (1 succeeded, 1 failed, 1 cancelled)"; no breakdown when every run succeeded. */
function runsText(counts: RunCounts, noun: string): string {
  const head = plural(counts.runs, noun);
  if (counts.runs === (counts.outcomes.success ?? 0)) return head;
  const known = Object.keys(OUTCOME_WORDS).filter((o) => counts.outcomes[o]);
  const others = Object.keys(counts.outcomes).filter((o) => !(o in OUTCOME_WORDS));
  const parts = [...known, ...others.sort()].map((o) => `${counts.outcomes[o]} ${OUTCOME_WORDS[o] ?? o}`);
  return `${head} (${parts.join(', ')})`;
}

export function formatUsage(summary: UsageSummary): string {
  const line = (label: string, t: UsageTotals) =>
    [
      `${label}: $${t.costUsd.toFixed(2)}`,
      `${compactNumber(t.tokens)} tokens`,
      runsText(t.missions, 'mission run'),
      ...(t.chat.runs > 0 ? [runsText(t.chat, 'chat run')] : []),
    ].join(' · ');
  const lines = [line('today', summary.today), line('this week', summary.week)];
  if (summary.unreadable > 0)
    lines.push(`(${summary.unreadable} unreadable line${summary.unreadable === 1 ? '' : 's'} in usage.jsonl skipped)`);
  return lines.join('\n');
}

/** `/usage`: today and this week from usage.jsonl, then today's spend against each day budget. */
export async function usageReply(ctx: CommandContext): Promise<string> {
  const [summary, budgets] = await Promise.all([
    readUsage(ctx.api.usageFile, ctx.api.now()),
    askMissions<BudgetReport>(ctx.api, 'budget', { verb: 'show' }).then(
      (report) => ['against day budgets (UTC day):', ...budgetLines(report)],
      (error: unknown) => [`day budgets: not known (${describeError(error)})`],
    ),
  ]);
  return [formatUsage(summary), ...budgets].join('\n');
}
