// A scripted, local stand-in for the Anthropic Messages API, good enough for the real Claude
// Code CLI (docs/claude-cli.md#environment): point ANTHROPIC_BASE_URL at `url`. The tests and the
// benchmarks (bench/fakes.mjs) both use it.
//
// The CLI sends `HEAD /` first, then `POST /v1/messages?beta=true` with `"stream": true`. Each
// POST takes the next scripted step from the queue (or `{ text: 'done' }` when it is empty) and
// answers it with server-sent events in the order the API uses: message_start,
// content_block_start, content_block_delta, content_block_stop, message_delta, message_stop.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HttpFake, jsonOrText, readBody, sendJson as sendJsonBody } from './httpFake.js';

export interface TextStep {
  text: string;
}
export interface ToolUseStep {
  toolUse: { name: string; input: Record<string, unknown> };
  /** Optional text block before the tool call. */
  text?: string;
}
export interface ErrorStep {
  error: { status: number; type: string; message: string; headers?: Record<string, string> };
}
export interface HangStep {
  hang: true;
}
export type StaticStep = TextStep | ToolUseStep | ErrorStep | HangStep;
/** A step computed from the request (its parsed JSON body). */
export type Step = StaticStep | ((body: unknown, request: RecordedRequest) => StaticStep);

export interface RecordedRequest {
  method: string;
  /** Path with query string, e.g. `/v1/messages?beta=true`. */
  path: string;
  /** Lower-case header names; secrets (x-api-key, authorization) are replaced by `[redacted]`. */
  headers: Record<string, string>;
  /** The parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  at: number;
  /** performance.now() when the request arrived, before its body was read (the benchmarks' stamp). */
  arrivedAt: number;
}

export interface FakeAnthropicOptions {
  /** Model name echoed in message_start when the request names none. */
  model?: string;
  /** Usage reported per answer. */
  usage?: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens?: number;
    cache_creation_input_tokens?: number;
  };
}

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  /** Only the POST /v1/messages requests, in order. */
  messageRequests(): RecordedRequest[];
  enqueue(...steps: Step[]): void;
  /**
   * Answers every request the queue does not: for several agents at once (parallel runners),
   * where one queue cannot say which answer belongs to whom. Default `{ text: 'done' }`.
   */
  setHandler(handler: Step): void;
  stop(): Promise<void>;
}

const SECRET_HEADERS = new Set(['x-api-key', 'authorization', 'proxy-authorization', 'cookie']);

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const queue: Step[] = [];
  let fallback: Step = { text: 'done' };
  const requests: RecordedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const usage = options.usage ?? {
    input_tokens: 120,
    output_tokens: 30,
    cache_read_input_tokens: 10,
    cache_creation_input_tokens: 5,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const body = jsonOrText(await readBody(req));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers[name] = SECRET_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
    }
    const path = req.url ?? '/';
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers,
      body,
      at: Date.now(),
      arrivedAt,
    };
    requests.push(recorded);

    const pathname = path.split('?')[0];
    if (req.method === 'HEAD' && pathname === '/') {
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'POST' && pathname === '/v1/messages') {
      const next = queue.shift() ?? fallback;
      const step = typeof next === 'function' ? next(body, recorded) : next;
      answer(res, step, modelOf(body) ?? options.model ?? 'claude-fake-1');
      return;
    }
    sendJson(res, 404, apiError('not_found_error', `no route for ${req.method ?? '?'} ${pathname ?? path}`));
  }

  function answer(res: ServerResponse, step: StaticStep, model: string): void {
    if ('hang' in step) {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if ('error' in step) {
      const { status, type, message, headers } = step.error;
      sendJson(res, status, apiError(type, message), headers);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': `req_${randomBytes(8).toString('hex')}`,
    });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', {
      type: 'message_start',
      message: {
        id: `msg_${randomBytes(12).toString('hex')}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input_tokens,
          output_tokens: 1,
          cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
          cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
        },
      },
    });
    let index = 0;
    const text = 'toolUse' in step ? step.text : step.text;
    if (text !== undefined) {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
      send('content_block_stop', { type: 'content_block_stop', index });
      index += 1;
    }
    if ('toolUse' in step) {
      const id = `toolu_${randomBytes(12).toString('hex')}`;
      send('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id, name: step.toolUse.name, input: {} },
      });
      send('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(step.toolUse.input) },
      });
      send('content_block_stop', { type: 'content_block_stop', index });
    }
    send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'toolUse' in step ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    });
    send('message_stop', { type: 'message_stop' });
    res.end();
  }

  const http = await HttpFake.listen(handle, (res, error) => sendJson(res, 500, apiError('api_error', String(error))));

  return {
    url: http.url,
    requests,
    messageRequests: () => requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/messages')),
    enqueue: (...steps: Step[]) => void queue.push(...steps),
    setHandler: (handler: Step) => void (fallback = handler),
    stop: async () => {
      for (const res of hanging) res.destroy();
      hanging.clear();
      await http.close();
    },
  };
}

/** A request's conversation so far: its messages as JSON text, and how many tool results it holds. */
export function conversationOf(body: unknown): { text: string; toolResults: number } {
  const messages = typeof body === 'object' && body !== null ? (body as { messages?: unknown }).messages : undefined;
  const text = JSON.stringify(messages ?? []);
  return { text, toolResults: (text.match(/"tool_result"/g) ?? []).length };
}

/** Writes a file through the agent's Bash tool, then reports done: what a successful mission's agent does. */
export function writeFileStep(name: string, content: string, toolResults: number): StaticStep {
  return toolResults === 0
    ? {
        toolUse: {
          name: 'Bash',
          input: { command: `printf '%s' '${content}' > ${name}`, description: `write ${name}` },
        },
      }
    : { text: `Wrote ${name}.` };
}

function modelOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'model' in body) {
    const model = (body as { model: unknown }).model;
    if (typeof model === 'string') return model;
  }
  return undefined;
}

/** The error body the API returns, e.g. `{"type":"error","error":{"type":"rate_limit_error","message":"…"}}`. */
function apiError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonBody(res, status, body, { 'request-id': `req_${randomBytes(8).toString('hex')}`, ...headers });
}
