// Counts every agent run into the day ledger as it streams: wraps the agent adapter, follows the
// run's log (every stdout line of the CLI lands there as it comes) and adds to the ledger what
// each line changes in the run's spend (streamSpend.ts), the result's exact figures last.
// Mission runs count for their project and the system, chat runs for the system. A ledger that
// cannot be written is logged, never thrown: counting a run must not change it.
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { AgentAdapter, AgentRunRequest, AgentRunResult } from '../adapters/agent/index.js';
import type { JsonKv } from '../bus/index.js';
import type { Logger } from '../log.js';
import { addSpend, isNothing, noSpend, recordSpend, type Spend } from './dayLedger.js';
import { StreamSpend } from './streamSpend.js';

/** How often the run's log is read for new lines while the agent runs. */
export const FOLLOW_MS = 250;

export interface SpendMeterOptions {
  kv: JsonKv;
  logger: Logger;
  /** The project the run is for (a mission's), undefined for chat runs. */
  projectOf: (request: AgentRunRequest) => string | undefined;
  now?: () => number;
  followMs?: number;
}

export function meteredAgent(agent: AgentAdapter, options: SpendMeterOptions): AgentAdapter {
  return {
    name: agent.name,
    run: async (request) => {
      const meter = new RunMeter(request.logFile, options.projectOf(request), options);
      const timer = setInterval(() => void meter.follow(), options.followMs ?? FOLLOW_MS);
      try {
        const result = await agent.run(request);
        clearInterval(timer);
        await meter.settle(result);
        return result;
      } finally {
        clearInterval(timer);
        await meter.close();
      }
    },
  };
}

/** One run: reads its log from where it left off and writes to the ledger one addition at a time. */
class RunMeter {
  private readonly spend = new StreamSpend();
  private offset = 0;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  private reading: Promise<void> | undefined;
  private file: FileHandle | undefined;
  private pending: Spend = noSpend();
  private writing: Promise<void> | undefined;

  constructor(
    private readonly logFile: string,
    private readonly project: string | undefined,
    private readonly options: SpendMeterOptions,
  ) {}

  follow(): Promise<void> {
    this.reading ??= this.readNew().finally(() => (this.reading = undefined));
    return this.reading;
  }

  async settle(result: AgentRunResult): Promise<void> {
    await this.follow();
    await this.follow(); // a read that was under way when the run ended may have missed the end
    if (this.partial !== '') this.take(this.partial);
    this.partial = '';
    this.add(this.spend.settle(result));
    await this.flush();
  }

  async close(): Promise<void> {
    await this.reading;
    await this.file?.close().catch(() => undefined);
    this.file = undefined;
  }

  private async readNew(): Promise<void> {
    try {
      this.file ??= await open(this.logFile, 'r');
    } catch {
      return; // not created yet
    }
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await this.file.read(buffer, 0, buffer.length, this.offset);
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      const lines = (this.partial + this.decoder.write(buffer.subarray(0, bytesRead))).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    }
    void this.flush();
  }

  private take(line: string): void {
    this.add(this.spend.line(line));
  }

  private add(delta: Spend): void {
    this.pending = addSpend(this.pending, delta);
  }

  /** Writes what has come since the last write; one write at a time, the rest waits for the next. */
  private flush(): Promise<void> {
    if (this.writing) return this.writing.then(() => this.flush());
    if (isNothing(this.pending)) return Promise.resolve();
    const delta = this.pending;
    this.pending = noSpend();
    const now = (this.options.now ?? Date.now)();
    this.writing = recordSpend(this.options.kv, delta, this.project, now)
      .then(() => undefined)
      .catch((error: unknown) => {
        this.options.logger.warn({ err: error, project: this.project, ...delta }, 'day ledger not written');
      })
      .finally(() => (this.writing = undefined));
    return this.writing;
  }
}
