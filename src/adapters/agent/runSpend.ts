// A run's spend as it streams (money, tokens, turns), for the per-mission budget: each answer's
// usage counted once (the CLI prints one event per content block), its output estimated from
// the text until the `result` gives the exact figures. Pure.
// (The day ledger counts every run separately: src/usage/spendMeter.ts.)
// docs/missions.md#stalls-and-budgets-per-mission
import type { TokenUsage } from '../../contracts/index.js';
import { estimateCostUsd } from './modelPrices.js';
import type { StreamEvent } from './streamJson.js';

/** budgets.mission (with its per-kind override applied): 0 = no limit. */
export interface SpendLimits {
  usd: number;
  tokens: number;
  turns: number;
}

export interface Spend {
  usd: number;
  tokens: number;
  turns: number;
  /** False once the CLI's `result` gave the exact cost and usage. */
  estimated: boolean;
}

export interface BudgetReached {
  what: keyof SpendLimits;
  spent: number;
  limit: number;
}

/** Characters per output token, roughly, for the estimate while an answer streams. */
const CHARS_PER_TOKEN = 4;

interface Answer {
  model?: string;
  usage: TokenUsage;
  chars: number;
}

export class RunSpend {
  private readonly answers = new Map<string, Answer>();
  private anonymous = 0;
  private exact: Spend | undefined;

  observe(event: StreamEvent): void {
    if (event.kind === 'result') {
      if (event.totalCostUsd === undefined && event.usage === undefined) return;
      const now = this.spent();
      this.exact = {
        usd: event.totalCostUsd ?? now.usd,
        tokens: event.usage ? totalTokens(event.usage) : now.tokens,
        turns: event.numTurns ?? now.turns,
        estimated: false,
      };
      return;
    }
    if (event.kind !== 'assistant' || event.error !== undefined) return;
    const id = event.messageId ?? `anonymous-${(this.anonymous += 1)}`;
    const chars =
      event.texts.reduce((n, t) => n + t.length, 0) +
      event.toolUses.reduce((n, u) => n + u.name.length + (JSON.stringify(u.input)?.length ?? 0), 0);
    const known = this.answers.get(id);
    if (known) known.chars += chars;
    else
      this.answers.set(id, {
        ...(event.model ? { model: event.model } : {}),
        usage: event.usage ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        chars,
      });
  }

  spent(): Spend {
    if (this.exact) return this.exact;
    let usd = 0;
    let tokens = 0;
    for (const a of this.answers.values()) {
      const usage = { ...a.usage, output: Math.max(a.usage.output, Math.ceil(a.chars / CHARS_PER_TOKEN)) };
      usd += estimateCostUsd(a.model, usage);
      tokens += totalTokens(usage);
    }
    return { usd, tokens, turns: this.answers.size, estimated: true };
  }

  /** The first limit the spend has reached, if any. */
  reached(limits: SpendLimits): BudgetReached | undefined {
    const spent = this.spent();
    for (const what of ['usd', 'tokens', 'turns'] as const) {
      const limit = limits[what];
      if (limit > 0 && spent[what] >= limit) return { what, spent: spent[what], limit };
    }
    return undefined;
  }
}

export function totalTokens(u: TokenUsage): number {
  return u.input + u.output + u.cacheRead + u.cacheWrite;
}

/** `money budget reached: $0.0123 of $0.0100`. */
export function describeBudget(r: BudgetReached): string {
  if (r.what === 'usd') return `money budget reached: $${r.spent.toFixed(4)} of $${r.limit.toFixed(4)}`;
  return `${r.what === 'tokens' ? 'token' : 'turn'} budget reached: ${r.spent} of ${r.limit}`;
}
