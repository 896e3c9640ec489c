// What one agent run adds to the day ledger as its stream-json lines come: the run's spend as the
// per-mission budget counts it (RunSpend: each answer's usage once, money estimated with list
// prices until the closing `result` gives the exact cost and usage), handed out as the change
// since the last hand-out. The result's exact figures may be below the estimate: that change is
// negative, so the ledger ends at what the CLI reported. docs/missions.md#spend-and-budgets
import { parseStreamLine } from '../adapters/agent/streamJson.js';
import { RunSpend } from '../adapters/agent/runSpend.js';
import type { AgentRunResult } from '../adapters/agent/index.js';
import { type Spend, noSpend } from './dayLedger.js';

export class StreamSpend {
  private readonly run = new RunSpend();
  private handedOut: Spend = noSpend();
  private exact = false;

  /** Takes one line of the run's log; returns what it changes in the run's spend (mostly nothing). */
  line(line: string): Spend {
    if (!line.startsWith('{')) return noSpend(); // the log's own [roshi] and [stderr] lines
    const event = parseStreamLine(line);
    if (!event) return noSpend();
    if (event.kind === 'result' && (event.totalCostUsd !== undefined || event.usage !== undefined)) this.exact = true;
    this.run.observe(event);
    return this.change();
  }

  /** The run ended: its result's figures, when the stream's own result line was not read. */
  settle(run: Pick<AgentRunResult, 'costUsd' | 'tokens' | 'numTurns'>): Spend {
    if (!this.exact && (run.costUsd !== undefined || run.tokens !== undefined)) {
      this.run.observe({
        kind: 'result',
        isError: false,
        apiErrorStatus: null,
        errors: [],
        ...(run.costUsd !== undefined ? { totalCostUsd: run.costUsd } : {}),
        ...(run.tokens ? { usage: run.tokens } : {}),
        ...(run.numTurns !== undefined ? { numTurns: run.numTurns } : {}),
      });
      this.exact = true;
    }
    return this.change();
  }

  /** What has been handed out so far: the run's spend. */
  get total(): Spend {
    return { ...this.handedOut };
  }

  private change(): Spend {
    const now = this.run.spent();
    const change = {
      usd: now.usd - this.handedOut.usd,
      tokens: now.tokens - this.handedOut.tokens,
      turns: now.turns - this.handedOut.turns,
    };
    this.handedOut = { usd: now.usd, tokens: now.tokens, turns: now.turns };
    return change;
  }
}
