// Claude Code's `--output-format stream-json --verbose` output: one JSON object per line. A pure
// parser from one line to a typed event; it never throws. Lines it does not know are `other`
// (valid JSON) or `invalid` (not a JSON object), the caller's to log. The event shapes seen
// with CLI 2.1.197 are in docs/claude-cli.md#stream-json-events.
import type { TokenUsage } from '../../contracts/index.js';
import { clip, oneLine } from '../../text/oneLine.js';

export interface InitEvent {
  kind: 'init';
  sessionId?: string;
  model?: string;
  cwd?: string;
  tools: string[];
  version?: string;
}

export interface ToolUse {
  id?: string;
  name: string;
  input: unknown;
}

export interface AssistantEvent {
  kind: 'assistant';
  texts: string[];
  toolUses: ToolUse[];
  /** Set on the CLI's synthetic error message (e.g. `rate_limit`, `server_error`, `unknown`). */
  error?: string;
  sessionId?: string;
  /** message.id: the CLI prints one event per content block, each with its answer's id. */
  messageId?: string;
  model?: string;
  /** message.usage as printed: taken at the answer's start, so output is not final yet. */
  usage?: TokenUsage;
}

export interface ToolResult {
  toolUseId?: string;
  isError: boolean;
  text: string;
}

export interface ToolResultsEvent {
  kind: 'tool_results';
  results: ToolResult[];
}

export interface ApiRetryEvent {
  kind: 'api_retry';
  attempt?: number;
  maxRetries?: number;
  /**
   * How long the CLI waits before its next attempt. Observed: exactly the server's Retry-After
   * when one was sent (7 → 7000, 60 → 60000), the CLI's own jittered backoff otherwise (~500 ms
   * for the first retry).
   */
  retryDelayMs?: number;
  errorStatus: number | null;
  error?: string;
}

export interface ResultEvent {
  kind: 'result';
  /** `success` even for API failures (429, 529, 500, 400…): read isError and apiErrorStatus. */
  subtype?: string;
  isError: boolean;
  apiErrorStatus: number | null;
  /** The final text (absent for e.g. `error_max_turns`). */
  result?: string;
  /** Error messages of error subtypes, e.g. "Reached maximum number of turns (1)". */
  errors: string[];
  numTurns?: number;
  durationMs?: number;
  totalCostUsd?: number;
  usage?: TokenUsage;
  sessionId?: string;
  terminalReason?: string;
}

/** A JSON object of a type or subtype this parser does not model. */
export interface OtherEvent {
  kind: 'other';
  type: string;
  subtype?: string;
}

export interface InvalidLine {
  kind: 'invalid';
  reason: string;
  line: string;
}

export type StreamEvent =
  | InitEvent
  | AssistantEvent
  | ToolResultsEvent
  | ApiRetryEvent
  | ResultEvent
  | OtherEvent
  | InvalidLine;

/** Parses one stdout line; undefined for a blank line. */
export function parseStreamLine(line: string): StreamEvent | undefined {
  const trimmed = line.trim();
  if (trimmed === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { kind: 'invalid', reason: `not JSON: ${(error as Error).message}`, line };
  }
  if (!isRecord(value)) return { kind: 'invalid', reason: 'not a JSON object', line };
  const type = str(value.type);
  if (type === undefined) return { kind: 'invalid', reason: 'no "type" field', line };
  const subtype = str(value.subtype);

  if (type === 'system' && subtype === 'init') {
    return {
      kind: 'init',
      sessionId: str(value.session_id),
      model: str(value.model),
      cwd: str(value.cwd),
      tools: Array.isArray(value.tools) ? value.tools.filter((t): t is string => typeof t === 'string') : [],
      version: str(value.claude_code_version),
    };
  }
  if (type === 'system' && subtype === 'api_retry') {
    return {
      kind: 'api_retry',
      attempt: num(value.attempt),
      maxRetries: num(value.max_retries),
      retryDelayMs: num(value.retry_delay_ms),
      errorStatus: num(value.error_status) ?? null,
      error:
        str(value.error) ??
        (value.error === undefined || value.error === null ? undefined : JSON.stringify(value.error)),
    };
  }
  if (type === 'assistant') {
    const content = contentOf(value.message);
    const texts: string[] = [];
    const toolUses: ToolUse[] = [];
    for (const block of content) {
      if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
      else if (block.type === 'tool_use' && typeof block.name === 'string')
        toolUses.push({ id: str(block.id), name: block.name, input: block.input });
    }
    const message = isRecord(value.message) ? value.message : {};
    return {
      kind: 'assistant',
      texts,
      toolUses,
      error: str(value.error),
      sessionId: str(value.session_id),
      messageId: str(message.id),
      model: str(message.model),
      usage: usageOf(message.usage),
    };
  }
  if (type === 'user') {
    const results: ToolResult[] = [];
    for (const block of contentOf(value.message)) {
      if (block.type !== 'tool_result') continue;
      results.push({
        toolUseId: str(block.tool_use_id),
        isError: block.is_error === true,
        text: toolResultText(block.content),
      });
    }
    if (results.length > 0) return { kind: 'tool_results', results };
    return { kind: 'other', type, subtype };
  }
  if (type === 'result') {
    return {
      kind: 'result',
      subtype,
      isError: value.is_error === true,
      apiErrorStatus: num(value.api_error_status) ?? null,
      result: str(value.result),
      errors: Array.isArray(value.errors)
        ? value.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
        : [],
      numTurns: num(value.num_turns),
      durationMs: num(value.duration_ms),
      totalCostUsd: num(value.total_cost_usd),
      usage: usageOf(value.usage),
      sessionId: str(value.session_id),
      terminalReason: str(value.terminal_reason),
    };
  }
  return { kind: 'other', type, subtype };
}

/** A short one-line description of a tool call's input, e.g. `Bash: npm test`. */
export function summarizeToolInput(name: string, input: unknown, max = 120): string {
  let detail = '';
  if (isRecord(input)) {
    for (const key of [
      'command',
      'file_path',
      'notebook_path',
      'path',
      'pattern',
      'url',
      'query',
      'description',
      'prompt',
    ]) {
      const v = input[key];
      if (typeof v === 'string' && v.trim() !== '') {
        detail = v;
        break;
      }
    }
    if (detail === '' && Object.keys(input).length > 0) detail = JSON.stringify(input);
  } else if (input !== undefined) {
    detail = JSON.stringify(input) ?? '';
  }
  return clip(detail === '' ? name : `${name}: ${oneLine(detail)}`, max);
}

function usageOf(value: unknown): TokenUsage | undefined {
  if (!isRecord(value)) return undefined;
  return {
    input: num(value.input_tokens) ?? 0,
    output: num(value.output_tokens) ?? 0,
    cacheRead: num(value.cache_read_input_tokens) ?? 0,
    cacheWrite: num(value.cache_creation_input_tokens) ?? 0,
  };
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        isRecord(part) && typeof part.text === 'string'
          ? part.text
          : isRecord(part)
            ? `[${str(part.type) ?? 'part'}]`
            : '',
      )
      .filter((t) => t !== '')
      .join('\n');
  }
  return '';
}

function contentOf(message: unknown): Record<string, unknown>[] {
  if (!isRecord(message) || !Array.isArray(message.content)) return [];
  return message.content.filter(isRecord);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
