// What one agent run has spent so far, from its stream-json lines as they come: each assistant
// message carries its id and usage (repeated on every content block of the message, so counted
// once per id, its largest figures kept), one message one turn. The CLI reports money only in
// its closing `result` event; `settle` adds what the result says beyond what streamed (the final
// output tokens, the cost). docs/missions.md#spend-and-budgets
import type { AgentRunResult } from '../adapters/agent/index.js';
import { type Spend, noSpend } from './dayLedger.js';

const TOKEN_FIELDS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'];

/** The id and tokens of an assistant message line; undefined for any other line. */
export function assistantUsageOf(line: string): { id: string; tokens: number } | undefined {
  if (!line.startsWith('{') || !line.includes('"assistant"')) return undefined;
  let event: { type?: unknown; message?: { id?: unknown; usage?: Record<string, unknown> } };
  try {
    event = JSON.parse(line) as typeof event;
  } catch {
    return undefined;
  }
  const id = event.message?.id;
  if (event.type !== 'assistant' || typeof id !== 'string') return undefined;
  const usage = event.message?.usage ?? {};
  const tokens = TOKEN_FIELDS.reduce((sum, f) => {
    const v = usage[f];
    return sum + (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  }, 0);
  return { id, tokens };
}

export class StreamSpend {
  /** Tokens counted per assistant message id. */
  private readonly messages = new Map<string, number>();
  private counted: Spend = noSpend();

  /** Takes one stdout line; returns what it adds to the run's spend (nothing for most lines). */
  line(line: string): Spend {
    const usage = assistantUsageOf(line);
    if (!usage) return noSpend();
    const before = this.messages.get(usage.id);
    const tokens = Math.max(0, usage.tokens - (before ?? 0));
    if (before === undefined || tokens > 0) this.messages.set(usage.id, (before ?? 0) + tokens);
    const delta = { usd: 0, tokens, turns: before === undefined ? 1 : 0 };
    this.count(delta);
    return delta;
  }

  /** The run ended: what its result reports beyond what streamed (never negative). */
  settle(run: Pick<AgentRunResult, 'costUsd' | 'tokens' | 'numTurns'>): Spend {
    const tokens = run.tokens ? run.tokens.input + run.tokens.output + run.tokens.cacheRead + run.tokens.cacheWrite : 0;
    const delta = {
      usd: Math.max(0, (run.costUsd ?? 0) - this.counted.usd),
      tokens: Math.max(0, tokens - this.counted.tokens),
      turns: Math.max(0, (run.numTurns ?? 0) - this.counted.turns),
    };
    this.count(delta);
    return delta;
  }

  get total(): Spend {
    return { ...this.counted };
  }

  private count(delta: Spend): void {
    this.counted = {
      usd: this.counted.usd + delta.usd,
      tokens: this.counted.tokens + delta.tokens,
      turns: this.counted.turns + delta.turns,
    };
  }
}
