// What an answer costs while it streams: the CLI prints the exact cost only in its `result`, so
// a mission budget counted as the run goes estimates it from the tokens with list prices (USD per
// million tokens; cache reads 0.1 ×, cache writes 1.25 × the input price). Pure.
import type { TokenUsage } from '../../contracts/index.js';

interface Price {
  input: number;
  output: number;
}

/** Longest prefix first; an unknown model is priced as the dearest current one (never under). */
const PRICES: ReadonlyArray<[prefix: string, price: Price]> = [
  ['claude-opus-4-0', { input: 15, output: 75 }],
  ['claude-opus-4-1', { input: 15, output: 75 }],
  ['claude-3-opus', { input: 15, output: 75 }],
  ['claude-opus', { input: 5, output: 25 }],
  ['claude-sonnet', { input: 3, output: 15 }],
  ['claude-3-5-sonnet', { input: 3, output: 15 }],
  ['claude-3-7-sonnet', { input: 3, output: 15 }],
  ['claude-haiku-4', { input: 1, output: 5 }],
  ['claude-3-5-haiku', { input: 0.8, output: 4 }],
  ['claude-3-haiku', { input: 0.25, output: 1.25 }],
];
const UNKNOWN: Price = { input: 15, output: 75 };

export function priceOf(model: string | undefined): Price {
  const name = (model ?? '').toLowerCase();
  return PRICES.find(([prefix]) => name.startsWith(prefix))?.[1] ?? UNKNOWN;
}

/** The estimated cost in USD of `usage` on `model`. */
export function estimateCostUsd(model: string | undefined, usage: TokenUsage): number {
  const p = priceOf(model);
  const inputs = usage.input + usage.cacheRead * 0.1 + usage.cacheWrite * 1.25;
  return (inputs * p.input + usage.output * p.output) / 1_000_000;
}
