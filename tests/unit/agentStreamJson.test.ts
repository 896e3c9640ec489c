// The stream-json line parser, on lines as Claude Code 2.1.197 printed them against a scripted API.
import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_RETRY } from '../harness/agentEvents.js';
import { parseStreamLine, summarizeToolInput, type ResultEvent } from '../../src/adapters/agent/streamJson.js';

const INIT =
  '{"type":"system","subtype":"init","cwd":"/tmp/w","session_id":"62effe4b-9570-4bcb-90ac-0110ce7c98d8","tools":["Bash","Edit","Read","Write"],"mcp_servers":[],"model":"claude-opus-4-8[1m]","permissionMode":"default","apiKeySource":"ANTHROPIC_API_KEY","claude_code_version":"2.1.197","output_style":"default"}';
const TOOL_USE =
  '{"type":"assistant","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-8","content":[{"type":"tool_use","id":"toolu_1","name":"Write","input":{"file_path":"/tmp/w/a.txt","content":"hi\\n"}}],"stop_reason":null,"usage":{"input_tokens":120,"output_tokens":1}},"parent_tool_use_id":null,"session_id":"s1"}';
const TOOL_RESULT =
  '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_1","type":"tool_result","content":"File created successfully at: /tmp/w/a.txt"}]},"parent_tool_use_id":null,"session_id":"s1","tool_use_result":{"type":"create"}}';
const RETRY =
  '{"type":"system","subtype":"api_retry","attempt":1,"max_retries":1,"retry_delay_ms":7000,"error_status":429,"error":"rate_limit","session_id":"s1"}';
const RESULT_OK =
  '{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"duration_ms":102,"num_turns":2,"result":"wrote it","stop_reason":"end_turn","session_id":"s1","total_cost_usd":0.0027725,"usage":{"input_tokens":240,"cache_creation_input_tokens":10,"cache_read_input_tokens":20,"output_tokens":60,"server_tool_use":{"web_search_requests":0}},"permission_denials":[],"terminal_reason":"completed"}';
const RESULT_429 =
  '{"type":"result","subtype":"success","is_error":true,"api_error_status":429,"duration_ms":7090,"num_turns":1,"result":"API Error: Request rejected (429) · Number of requests has exceeded your rate limit","session_id":"s1","total_cost_usd":0,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}';
const RESULT_MAX_TURNS =
  '{"type":"result","subtype":"error_max_turns","duration_ms":85,"is_error":true,"num_turns":2,"stop_reason":"tool_use","session_id":"s1","total_cost_usd":0.001,"usage":{"input_tokens":120,"output_tokens":30},"terminal_reason":"max_turns","errors":["Reached maximum number of turns (1)"]}';

/** A parsed result event: a success with no API error unless `over` says otherwise. */
const resultEvent = (over: Partial<ResultEvent>): Partial<ResultEvent> => ({
  kind: 'result',
  subtype: 'success',
  isError: false,
  apiErrorStatus: null,
  ...over,
});

describe('parseStreamLine', () => {
  it('reads the init event', () => {
    expect(parseStreamLine(INIT)).toEqual({
      kind: 'init',
      sessionId: '62effe4b-9570-4bcb-90ac-0110ce7c98d8',
      model: 'claude-opus-4-8[1m]',
      cwd: '/tmp/w',
      tools: ['Bash', 'Edit', 'Read', 'Write'],
      version: '2.1.197',
    });
  });

  it('reads assistant text and tool_use blocks', () => {
    expect(parseStreamLine(TOOL_USE)).toEqual({
      kind: 'assistant',
      texts: [],
      toolUses: [{ id: 'toolu_1', name: 'Write', input: { file_path: '/tmp/w/a.txt', content: 'hi\n' } }],
      error: undefined,
      sessionId: 's1',
      messageId: 'msg_1',
      model: 'claude-opus-4-8',
      usage: { input: 120, output: 1, cacheRead: 0, cacheWrite: 0 },
    });
    const text = parseStreamLine(
      '{"type":"assistant","message":{"content":[{"type":"text","text":"hello"},{"type":"thinking","thinking":"…"}]}}',
    );
    expect(text).toMatchObject({ kind: 'assistant', texts: ['hello'], toolUses: [] });
  });

  it("reads the CLI's synthetic error message", () => {
    const line =
      '{"type":"assistant","message":{"id":"x","model":"<synthetic>","role":"assistant","content":[{"type":"text","text":"API Error: Request rejected (429) · slow down"}]},"error":"rate_limit"}';
    expect(parseStreamLine(line)).toMatchObject({
      kind: 'assistant',
      error: 'rate_limit',
      texts: ['API Error: Request rejected (429) · slow down'],
    });
  });

  it('reads tool results, string or block content', () => {
    expect(parseStreamLine(TOOL_RESULT)).toEqual({
      kind: 'tool_results',
      results: [{ toolUseId: 'toolu_1', isError: false, text: 'File created successfully at: /tmp/w/a.txt' }],
    });
    const blocks = parseStreamLine(
      '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t2","is_error":true,"content":[{"type":"text","text":"Exit code 137"},{"type":"image"}]}]}}',
    );
    expect(blocks).toEqual({
      kind: 'tool_results',
      results: [{ toolUseId: 't2', isError: true, text: 'Exit code 137\n[image]' }],
    });
    // A user message without tool results (e.g. a replayed prompt) is just "other".
    expect(parseStreamLine('{"type":"user","message":{"content":"hi"}}')).toEqual({
      kind: 'other',
      type: 'user',
      subtype: undefined,
    });
  });

  it('reads api_retry events', () => {
    expect(parseStreamLine(RETRY)).toEqual(RATE_LIMIT_RETRY);
    expect(
      parseStreamLine('{"type":"system","subtype":"api_retry","retry_delay_ms":520.27,"error_status":null}'),
    ).toMatchObject({
      retryDelayMs: 520.27,
      errorStatus: null,
    });
  });

  it('reads a successful result with usage and cost', () => {
    expect(parseStreamLine(RESULT_OK)).toEqual(
      resultEvent({
        result: 'wrote it',
        errors: [],
        numTurns: 2,
        durationMs: 102,
        totalCostUsd: 0.0027725,
        usage: { input: 240, output: 60, cacheRead: 20, cacheWrite: 10 },
        sessionId: 's1',
        terminalReason: 'completed',
      }),
    );
  });

  it('keeps is_error and api_error_status of an API failure whose subtype says success', () => {
    expect(parseStreamLine(RESULT_429)).toMatchObject(resultEvent({ isError: true, apiErrorStatus: 429 }));
  });

  it('reads error subtypes without result text', () => {
    expect(parseStreamLine(RESULT_MAX_TURNS)).toMatchObject(
      resultEvent({
        subtype: 'error_max_turns',
        isError: true,
        result: undefined,
        errors: ['Reached maximum number of turns (1)'],
        terminalReason: 'max_turns',
      }),
    );
  });

  it('never throws: unknown, invalid and blank lines', () => {
    expect(parseStreamLine('')).toBeUndefined();
    expect(parseStreamLine('   ')).toBeUndefined();
    expect(parseStreamLine('{"type":"stream_event","event":{}}')).toEqual({
      kind: 'other',
      type: 'stream_event',
      subtype: undefined,
    });
    expect(parseStreamLine('{"type":"system","subtype":"hook_started"}')).toEqual({
      kind: 'other',
      type: 'system',
      subtype: 'hook_started',
    });
    expect(parseStreamLine('Warning: something')).toMatchObject({ kind: 'invalid', line: 'Warning: something' });
    expect(parseStreamLine('{"type":')).toMatchObject({ kind: 'invalid' });
    expect(parseStreamLine('[1,2]')).toMatchObject({ kind: 'invalid', reason: 'not a JSON object' });
    expect(parseStreamLine('42')).toMatchObject({ kind: 'invalid' });
    expect(parseStreamLine('{"no":"type"}')).toMatchObject({ kind: 'invalid', reason: 'no "type" field' });
    // Wrong field types degrade to absent fields, not to exceptions.
    expect(parseStreamLine('{"type":"result","is_error":"yes","usage":7,"errors":[{"a":1}]}')).toMatchObject({
      kind: 'result',
      isError: false,
      usage: undefined,
      errors: ['{"a":1}'],
    });
    expect(parseStreamLine('{"type":"assistant","message":{"content":[null,1,{"type":"tool_use"}]}}')).toMatchObject({
      texts: [],
      toolUses: [],
    });
  });
});

describe('summarizeToolInput', () => {
  it('names the tool and its most telling argument', () => {
    expect(summarizeToolInput('Bash', { command: 'npm test\n  -- --run', description: 'run tests' })).toBe(
      'Bash: npm test -- --run',
    );
    expect(summarizeToolInput('Write', { file_path: '/w/a.txt', content: 'x'.repeat(5000) })).toBe('Write: /w/a.txt');
    expect(summarizeToolInput('Grep', { pattern: 'TODO' })).toBe('Grep: TODO');
    expect(summarizeToolInput('TodoWrite', {})).toBe('TodoWrite');
    expect(summarizeToolInput('Custom', { a: 1 })).toBe('Custom: {"a":1}');
    expect(summarizeToolInput('Bash', { command: 'x'.repeat(500) }, 40)).toHaveLength(40);
  });
});
