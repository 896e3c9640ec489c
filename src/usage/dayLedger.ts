// The day ledger: what agent runs spent per UTC day, in KV <prefix>_state keys
// `spend.<day>.all` (the whole system) and `spend.<day>.p.<project>`, counted as the agents
// stream (spendMeter.ts). Runners on several hosts add to the same keys: every addition is a
// compare-and-set, retried on conflict, so no increment is lost. docs/missions.md#spend-and-budgets
import type { JsonKv } from '../bus/index.js';
import { sleep } from '../time/sleep.js';

/** Money (USD as the agent CLI reports it), tokens (input, output, cache together), agent turns. */
export interface Spend {
  usd: number;
  tokens: number;
  turns: number;
}

export interface LedgerEntry extends Spend {
  day: string;
  /** The project, absent on the system entry. */
  project?: string;
  updatedAt: number;
}

export interface DaySpend {
  day: string;
  system: Spend;
  projects: Record<string, Spend>;
}

export const noSpend = (): Spend => ({ usd: 0, tokens: 0, turns: 0 });

/** The UTC day of `now`, "2026-12-03". */
export const utcDay = (now: number): string => new Date(now).toISOString().slice(0, 10);

/** The next UTC midnight after `now`: when a day budget starts afresh. */
export function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/** A project name as one KV key token: [A-Za-z0-9_-] kept, every other UTF-8 byte as =XX. */
export function projectToken(project: string): string {
  let out = '';
  for (const ch of project) {
    if (/[A-Za-z0-9_-]/.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out === '' ? '=' : out;
}

export const SPEND_PREFIX = 'spend';
export const systemKey = (day: string): string => `${SPEND_PREFIX}.${day}.all`;
export const projectKey = (day: string, project: string): string => `${SPEND_PREFIX}.${day}.p.${projectToken(project)}`;

export function addSpend(a: Spend, b: Partial<Spend>): Spend {
  return { usd: a.usd + (b.usd ?? 0), tokens: a.tokens + (b.tokens ?? 0), turns: a.turns + (b.turns ?? 0) };
}

export const isNothing = (s: Partial<Spend>): boolean => !s.usd && !s.tokens && !s.turns;

/** Conflicts retried before giving up; each waits a little, at random, so many writers spread out. */
const MAX_ATTEMPTS = 100;
const backoff = (attempt: number) => sleep(Math.random() * Math.min(50, 2 * attempt));

/** Adds `delta` to one key with compare-and-set; returns the entry after the addition. */
export async function addToKey(
  kv: JsonKv,
  key: string,
  delta: Partial<Spend>,
  base: Omit<LedgerEntry, keyof Spend | 'updatedAt'>,
  now: number,
): Promise<LedgerEntry> {
  const next = await kv.modify<LedgerEntry>(
    key,
    (current) => ({ ...base, ...addSpend(spendOf(current), delta), updatedAt: now }),
    { attempts: MAX_ATTEMPTS, pause: backoff },
  );
  return next!;
}

/** Adds one run's spend so far to its project's entry (when it has one) and to the system's. */
export async function recordSpend(
  kv: JsonKv,
  delta: Partial<Spend>,
  project: string | undefined,
  now: number,
): Promise<{ system: LedgerEntry; project?: LedgerEntry }> {
  const day = utcDay(now);
  const system = await addToKey(kv, systemKey(day), delta, { day }, now);
  if (project === undefined) return { system };
  return { system, project: await addToKey(kv, projectKey(day, project), delta, { day, project }, now) };
}

/** Every entry of `day`. */
export async function readDaySpend(kv: JsonKv, day: string): Promise<DaySpend> {
  const spend: DaySpend = { day, system: noSpend(), projects: {} };
  for (const key of await kv.keys(`${SPEND_PREFIX}.${day}.>`)) {
    const entry = await kv.get<LedgerEntry>(key);
    if (entry) applyEntry(spend, key, entry.value);
  }
  return spend;
}

/** Puts one ledger entry (read or watched) into the day's totals; entries of other days are ignored. */
export function applyEntry(spend: DaySpend, key: string, value: LedgerEntry | undefined): void {
  if (!key.startsWith(`${SPEND_PREFIX}.${spend.day}.`)) return;
  if (key === systemKey(spend.day)) spend.system = spendOf(value);
  else if (value?.project !== undefined) spend.projects[value.project] = spendOf(value);
}

function spendOf(value: Partial<Spend> | undefined): Spend {
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return { usd: n(value?.usd), tokens: n(value?.tokens), turns: n(value?.turns) };
}

/** Days of ledger entries, raises and alert marks kept: enough to look back over a week or two. */
export const KEEP_DAYS = 14;

/** Deletes the ledger's, raises' and alerts' keys of days more than KEEP_DAYS before `now`; returns how many. */
export async function pruneOldDays(kv: JsonKv, now: number): Promise<number> {
  const oldest = utcDay(now - KEEP_DAYS * 86_400_000);
  let pruned = 0;
  for (const filter of [`${SPEND_PREFIX}.>`, 'budget.raise.>', 'budget.alert.>']) {
    for (const key of await kv.keys(filter)) {
      const day = /\.(\d{4}-\d{2}-\d{2})(?:\.|$)/.exec(key)?.[1];
      if (day === undefined || day >= oldest) continue;
      await kv.delete(key);
      pruned++;
    }
  }
  return pruned;
}
