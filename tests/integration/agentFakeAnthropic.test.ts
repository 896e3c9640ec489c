// The scripted Messages API used by the agent tests (tests/fakes/anthropic.ts) on its own.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await startFakeAnthropic();
});
afterEach(async () => {
  await fake.stop();
});

const post = (body: unknown) =>
  fetch(`${fake.url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-secret', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });

function events(sse: string): { event: string; data: Record<string, unknown> }[] {
  return sse
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const [eventLine, dataLine] = chunk.split('\n');
      return {
        event: (eventLine ?? '').replace('event: ', ''),
        data: JSON.parse((dataLine ?? '').replace('data: ', '')) as Record<string, unknown>,
      };
    });
}

describe('fake Anthropic API', () => {
  it('answers HEAD / and 404s unknown paths with an API error body', async () => {
    expect((await fetch(`${fake.url}/`, { method: 'HEAD' })).status).toBe(200);
    const res = await fetch(`${fake.url}/v1/models`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'no route for GET /v1/models' },
    });
  });

  it('streams a text answer in the API order and records the request without secrets', async () => {
    fake.enqueue({ text: 'hello' });
    const res = await post({ model: 'claude-x-1', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const evs = events(await res.text());
    expect(evs.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(evs.every((e) => e.data.type === e.event)).toBe(true);
    expect(evs[0]?.data.message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-x-1',
      content: [],
      stop_reason: null,
    });
    expect(evs[2]?.data.delta).toEqual({ type: 'text_delta', text: 'hello' });
    expect(evs[4]?.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 30 } });
    const [recorded] = fake.messageRequests();
    expect(recorded?.headers['x-api-key']).toBe('[redacted]');
    expect(recorded?.headers['anthropic-version']).toBe('2023-06-01');
    expect(recorded?.body).toMatchObject({ model: 'claude-x-1', stream: true });
  });

  it('streams tool use as input_json_delta with stop_reason tool_use', async () => {
    fake.enqueue({ toolUse: { name: 'Write', input: { file_path: '/tmp/a', content: 'x' } } });
    const evs = events(await (await post({})).text());
    expect(evs[1]?.data.content_block).toMatchObject({ type: 'tool_use', name: 'Write', input: {} });
    expect(evs[2]?.data.delta).toEqual({
      type: 'input_json_delta',
      partial_json: '{"file_path":"/tmp/a","content":"x"}',
    });
    expect(evs[4]?.data).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });

  it('answers errors with the API error body and headers; an empty queue says done', async () => {
    fake.enqueue({
      error: { status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '7' } },
    });
    const res = await post({});
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    const evs = events(await (await post({})).text());
    expect(evs[2]?.data.delta).toEqual({ type: 'text_delta', text: 'done' });
  });

  it('computes a step from the request body', async () => {
    fake.enqueue((body) => ({ text: `you said ${JSON.stringify((body as { messages: unknown[] }).messages.length)}` }));
    const evs = events(await (await post({ messages: [1, 2, 3] })).text());
    expect(evs[2]?.data.delta).toEqual({ type: 'text_delta', text: 'you said 3' });
  });

  it('hangs until stopped', async () => {
    fake.enqueue({ hang: true });
    const pending = post({}).then(
      () => 'answered',
      () => 'dropped',
    );
    const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still waiting'), 300))]);
    expect(early).toBe('still waiting');
    await fake.stop();
    expect(await pending).toBe('dropped');
    fake = await startFakeAnthropic(); // for afterEach
  });
});
