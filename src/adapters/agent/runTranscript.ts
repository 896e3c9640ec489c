// What one run's stream-json output told us so far: session, last text, last api_retry, the
// result event, and the tails of stdout and stderr for error messages. It turns events into
// progress lines; the event shapes are in docs/claude-cli.md#stream-json-events.
import type { Logger } from '../../log.js';
import { clip } from '../../text/oneLine.js';
import { lastBytes, TAIL_BYTES } from './classify.js';
import { summarizeToolInput, type ApiRetryEvent, type ResultEvent, type StreamEvent } from './streamJson.js';
import type { AgentProgress, AgentRetryState } from './types.js';

/** A retry as the transcript sees it; the supervisor stamps `nextAt` when it stamps `at`. */
export type RetryNotice = Omit<AgentRetryState, 'nextAt'>;

/** Tail kept of each stream for error messages. */
const TAIL_KEEP = TAIL_BYTES * 2;

export class TailBuffer {
  private text = '';
  push(line: string): void {
    this.text += `${line}\n`;
    if (this.text.length > TAIL_KEEP * 2) this.text = lastBytes(this.text, TAIL_KEEP);
  }
  toString(): string {
    return this.text;
  }
}

export class RunTranscript {
  sessionId: string | undefined;
  result: ResultEvent | undefined;
  lastRetry: ApiRetryEvent | undefined;
  lastText: string | undefined;
  readonly stdoutTail = new TailBuffer();
  readonly stderrTail = new TailBuffer();

  constructor(
    private readonly progress: (kind: AgentProgress['kind'], text: string, retry?: RetryNotice) => void,
    /** The CLI stays silent while it waits to retry: that wait is not idleness. */
    private readonly onRetryWait: (delayMs: number) => void,
    private readonly log: Logger,
    private readonly progressMax: number,
  ) {}

  handle(event: StreamEvent, line: string): void {
    switch (event.kind) {
      case 'init':
        this.sessionId = event.sessionId ?? this.sessionId;
        this.progress('init', `session started: model ${event.model ?? '?'}, claude ${event.version ?? '?'}`);
        break;
      case 'assistant':
        this.sessionId = event.sessionId ?? this.sessionId;
        for (const text of event.texts) {
          if (text.trim() === '') continue;
          this.lastText = text;
          this.progress('text', text);
        }
        for (const use of event.toolUses)
          this.progress('tool', summarizeToolInput(use.name, use.input, this.progressMax));
        break;
      case 'tool_results':
        for (const r of event.results)
          this.progress('tool_result', `${r.isError ? 'error: ' : ''}${r.text.split('\n')[0] ?? ''}`);
        break;
      case 'api_retry': {
        this.lastRetry = event;
        const delay = Math.max(0, Math.round(event.retryDelayMs ?? 0));
        const { attempt, maxRetries, errorStatus } = event;
        this.progress(
          'retry',
          `API ${errorStatus ?? 'error'} ${event.error ?? ''}: retry ${attempt ?? '?'}/${maxRetries ?? '?'} in ${(delay / 1000).toFixed(1)}s`,
          {
            ...(attempt === undefined ? {} : { attempt }),
            ...(maxRetries === undefined ? {} : { maxRetries }),
            errorStatus,
            delayMs: delay,
          },
        );
        this.onRetryWait(delay);
        break;
      }
      case 'result':
        this.result = event;
        this.sessionId = event.sessionId ?? this.sessionId;
        break;
      case 'other':
        break;
      case 'invalid':
        this.log.debug({ reason: event.reason, line: clip(line, 500) }, 'unparsed stdout line (kept in the run log)');
        break;
    }
  }
}
