// What the operator sees on the console provider, for the e2e tests that talk to the bridge
// over NATS: the lines on bridge.console as they arrive, and a wait for one.
import { consoleSubject } from '../../src/adapters/messaging/console.js';
import { sleep, type TestTree } from './tree.js';
import { until } from './until.js';

/** One message the console provider wrote on bridge.console. */
export interface ConsoleLine {
  chatId: string;
  text: string;
  at: number;
}

/** The bridge.console lines of one tree, in order; `detail` explains a wait that timed out (logs). */
export class ConsoleLines {
  readonly lines: ConsoleLine[] = [];

  constructor(private readonly detail: () => string) {}

  /** Starts collecting the tree's console lines, then waits for its bridge's console provider. */
  async listen(tree: TestTree): Promise<void> {
    tree.bus.subscribe(consoleSubject('roshi'), (payload) => void this.lines.push(payload as unknown as ConsoleLine));
    await waitForBridgeConsole(tree);
  }

  /** The first line from index `from` on that matches, as soon as it is there (bound: pass it around). */
  readonly waitFor = (
    match: (line: ConsoleLine) => boolean,
    timeoutMs: number,
    what: string,
    from = 0,
  ): Promise<ConsoleLine> =>
    until(() => this.lines.slice(from).find(match), `${what} on bridge.console`, {
      timeoutMs,
      intervalMs: 50,
      detail: () => `saw:\n${this.lines.map((l) => l.text).join('\n---\n')}\n${this.detail()}`,
    });
}

/**
 * Waits (up to 15 s) until the bridge's machine runs with its console provider up; quietly, so
 * that a test asserting the provider's state says what it was.
 */
async function waitForBridgeConsole(tree: TestTree): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const reply = await tree.bus
      .request<{ state: string; providers: Record<string, { state: string }> }>(tree.bus.subjects.control('bridge'), {
        verb: 'providers',
      })
      .catch(() => undefined);
    if (reply?.state === 'running' && reply.providers.console?.state === 'up') return;
    await sleep(100);
  }
}
