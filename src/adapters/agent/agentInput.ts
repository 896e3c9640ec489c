// The agent's stdin in stream-json input mode: the prompt as the first user message, later
// messages into the running session (a stall nudge), the interrupt control request (the
// graceful stop), and closing it, which ends the CLI after its result.
// What the CLI does with each: docs/claude-cli.md#streaming-input
import type { Writable } from 'node:stream';

export class AgentInput {
  private closed = false;
  private interrupts = 0;

  constructor(private readonly stdin: Writable | null | undefined) {
    // A CLI gone before we wrote (EPIPE) is told apart by its exit, not here.
    stdin?.on('error', () => {
      this.closed = true;
    });
  }

  /** A user message; false when stdin is already closed. */
  user(text: string): boolean {
    return this.line({ type: 'user', message: { role: 'user', content: [{ type: 'text', text }] } });
  }

  /** Stops the turn under way (its tool call too); the CLI still prints a result with the cost. */
  interrupt(): boolean {
    this.interrupts += 1;
    return this.line({
      type: 'control_request',
      request_id: `roshi-interrupt-${this.interrupts}`,
      request: { subtype: 'interrupt' },
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stdin?.end();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private line(value: unknown): boolean {
    if (this.closed || !this.stdin || this.stdin.destroyed) return false;
    this.stdin.write(`${JSON.stringify(value)}\n`);
    return true;
  }
}
