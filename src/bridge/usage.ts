// `/usage`: what the agents cost, from <stateDir>/usage.jsonl — one JSON line per finished
// mission, { at, costUsd, tokens, … } written by the runners' post-mission pipeline. `at` is an
// ISO time or ms since the epoch; `tokens` is { input, output, cacheRead, cacheWrite } or a
// number. Unreadable lines are counted, never fatal.
import { readFile } from 'node:fs/promises';

export interface UsageTotals {
  missions: number;
  costUsd: number;
  tokens: number;
}

export interface UsageSummary {
  today: UsageTotals;
  week: UsageTotals;
  unreadable: number;
}

const empty = (): UsageTotals => ({ missions: 0, costUsd: 0, tokens: 0 });

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
    let entry: { at?: unknown; costUsd?: unknown; tokens?: unknown };
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
    for (const totals of at >= day ? [summary.today, summary.week] : [summary.week]) {
      totals.missions++;
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

export function formatUsage(summary: UsageSummary): string {
  const line = (label: string, t: UsageTotals) =>
    `${label}: $${t.costUsd.toFixed(2)} · ${compactNumber(t.tokens)} tokens · ${t.missions} mission${t.missions === 1 ? '' : 's'}`;
  const lines = [line('today', summary.today), line('this week', summary.week)];
  if (summary.unreadable > 0)
    lines.push(`(${summary.unreadable} unreadable line${summary.unreadable === 1 ? '' : 's'} in usage.jsonl skipped)`);
  return lines.join('\n');
}
