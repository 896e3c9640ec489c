// The chat prompt: persona and memory (re-read for every request), the mission situation,
// history, and what each retry leaves out. Also request validation and the read-only tool filter.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TurnStart } from '../../machines/chat.js';
import type { AgentAdapter, AgentRunRequest, AgentRunResult } from '../../src/adapters/agent/index.js';
import { appendTurn, emptyHistory, type ChatHistory, type ChatTurn } from '../../src/chat/history.js';
import {
  buildChatPrompt,
  builtinPersonaPath,
  duration,
  FALLBACK_PERSONA,
  readMemory,
  readPersona,
} from '../../src/chat/prompt.js';
import { chatReplyBudgetMs, MAX_TEXT, parseChatRequest } from '../../src/chat/request.js';
import type { ChatRequest } from '../../src/contracts/index.js';
import { readSituation, type MissionReader } from '../../src/chat/situation.js';
import { ChatTurnError, createChatAnswerer, readOnlyTools, type ChatAgentSettings } from '../../src/chat/turn.js';
import { silentLogger } from '../../src/log.js';
import type { Mission, MissionStatus } from '../../src/contracts/index.js';

const NOW = Date.UTC(2026, 2, 31, 9, 30);

const mission = (id: string, status: MissionStatus, extra: Partial<Mission> = {}): Mission => ({
  id,
  text: `work on ${id}`,
  project: 'app',
  kind: 'free',
  source: 'chat',
  status,
  order: 1,
  attempts: status === 'pending' ? 0 : 1,
  transientAttempts: 0,
  maxAttempts: 3,
  maxTransientAttempts: 6,
  createdAt: NOW - 3_600_000,
  updatedAt: NOW - 60_000,
  ...extra,
});

/** A MissionReader over a fixed list, with the store's ordering rules that matter here. */
function reader(missions: Mission[]): MissionReader {
  return {
    list: (options = {}) => {
      const wanted =
        options.status === undefined
          ? undefined
          : new Set(typeof options.status === 'string' ? [options.status] : options.status);
      const out = missions.filter((m) => !wanted || wanted.has(m.status));
      return options.limit !== undefined ? out.slice(0, options.limit) : out;
    },
    counts: () => {
      const counts: Record<MissionStatus, number> = {
        pending: 0,
        running: 0,
        awaiting_approval: 0,
        done: 0,
        failed: 0,
        cancelled: 0,
      };
      for (const m of missions) counts[m.status]++;
      return counts;
    },
  };
}

const request: ChatRequest = {
  text: 'how is it going?',
  chatId: '42',
  provider: 'telegram',
  userId: '7',
  userName: 'Ana',
};

describe('buildChatPrompt', () => {
  const busy = reader([
    mission('m-run', 'running', {
      text: 'fix the flaky test in api',
      lease: { runner: 'runner-1', until: NOW + 20_000 },
      startedAt: NOW - 130_000,
    }),
    mission('m-next', 'pending', {
      text: '/rebase https://github.com/o/r/pull/42',
      kind: 'rebase',
      url: 'https://github.com/o/r/pull/42',
    }),
    mission('m-done', 'done', {
      finishedAt: NOW - 600_000,
      result: { summary: 'Added the file.', prUrl: 'https://github.com/o/r/pull/7' },
    }),
    mission('m-fail', 'failed', { finishedAt: NOW - 900_000, lastError: 'transient budget spent' }),
  ]);

  it('has persona, memory, the running mission, the queue, history and the message, in that order', () => {
    let history: ChatHistory = emptyHistory('telegram', '42');
    const turns: ChatTurn[] = [1, 2, 3].map((n) => ({
      at: NOW - (10 - n) * 60_000,
      from: 'Ana',
      user: `question ${n}`,
      answer: `answer ${n}`,
    }));
    for (const t of turns) history = appendTurn(history, t, { historyTurns: 2 });
    const prompt = buildChatPrompt({
      persona: 'You are roshi. PERSONA-MARK',
      memory: 'The deploy window is Friday. MEMORY-MARK',
      history,
      situation: readSituation(busy, { paused: false, by: 'x', at: 0 }, NOW),
      waiting: 2,
      request,
      now: NOW,
    });
    const order = [
      'PERSONA-MARK',
      'MEMORY-MARK',
      '# roshi right now',
      'A mission is running now',
      'Earlier in this conversation',
      'question 1',
      'Recent conversation',
      'question 2',
      'answer 3',
      'The message to answer',
      'how is it going?',
    ];
    const positions = order.map((s) => prompt.indexOf(s));
    expect(
      positions.every((p) => p >= 0),
      JSON.stringify(positions),
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(prompt).toContain('Missions: 1 running, 1 pending, 1 done, 1 failed, 0 cancelled.');
    expect(prompt).toContain(
      '- m-run [project:app] "fix the flaky test in api" — on runner-1, for 2m 10s, attempt 1/3',
    );
    expect(prompt).toContain('- m-next [project:app] /rebase "/rebase https://github.com/o/r/pull/42"');
    expect(prompt).toContain(
      'm-done [project:app] "work on m-done" — done 10m ago, https://github.com/o/r/pull/7: Added the file.',
    );
    expect(prompt).toContain('failed 15m ago: transient budget spent');
    expect(prompt).toContain('Chat: 2 more messages are waiting for an answer after this one.');
    expect(prompt).toContain('From Ana on telegram (chat 42)');
    // question 1 left the window: only its summary line remains.
    expect(prompt).toContain('- 2026-03-31 09:21 Ana: "question 1" → you: "answer 1"');
    expect(prompt).not.toContain('PAUSED');
  });

  it('says when no mission runs, and when dispatch is paused', () => {
    const prompt = buildChatPrompt({
      persona: 'p',
      history: emptyHistory('console', 'c'),
      situation: readSituation(reader([]), { paused: true, until: NOW + 30 * 60_000, by: 'ana', at: NOW }, NOW),
      waiting: 0,
      request,
      now: NOW,
    });
    expect(prompt).toContain('No mission is running now.');
    expect(prompt).toContain('Dispatch is PAUSED for another 30m (by ana)');
    expect(prompt).toContain('Chat: no other message is waiting.');
    expect(prompt).not.toContain('# Memory');
    expect(prompt).not.toContain('conversation');
  });

  it('an expired timed pause is no pause', () => {
    const s = readSituation(reader([]), { paused: true, until: NOW - 1, by: 'ana', at: 0 }, NOW);
    expect(s.dispatch).toEqual({ paused: false });
  });

  it('durations read like people write them', () => {
    expect([45_000, 130_000, 3_600_000, 7_500_000, 90_000_000].map(duration)).toEqual([
      '45s',
      '2m 10s',
      '1h',
      '2h 5m',
      '1d 1h',
    ]);
  });
});

describe('persona and memory files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'roshi-chat-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('"" persona is the built-in config/persona.md; a configured one wins; a missing one falls back with a problem', () => {
    const builtin = readPersona('');
    expect(builtin.source).toBe(builtinPersonaPath());
    expect(builtin.text).toMatch(/roshi/);
    expect(builtin.problem).toBeUndefined();
    const mine = join(dir, 'persona.md');
    writeFileSync(mine, 'You are a pirate.');
    expect(readPersona(mine).text).toBe('You are a pirate.');
    const missing = readPersona(join(dir, 'nope.md'));
    expect(missing.text).toBe(builtin.text);
    expect(missing.problem).toMatch(/nope\.md: ENOENT/);
    expect(readPersona(join(dir, 'nope.md'), join(dir, 'also-nope.md')).text).toBe(FALLBACK_PERSONA);
  });

  it('"" memory is none; a missing memory file is a problem, not a failure', () => {
    expect(readMemory('')).toEqual({});
    const file = join(dir, 'memory.md');
    writeFileSync(file, 'notes');
    expect(readMemory(file)).toEqual({ text: 'notes' });
    expect(readMemory(join(dir, 'gone.md')).problem).toMatch(/ENOENT/);
  });
});

describe('the answerer: fresh context per request, lighter on retries', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'roshi-chat-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function setup(answers: Array<Partial<AgentRunResult>>) {
    const runs: AgentRunRequest[] = [];
    const agent: AgentAdapter = {
      name: 'fake',
      run: async (r) => {
        runs.push(r);
        const a = answers.shift() ?? {};
        return { outcome: 'success', summary: '', durationMs: 5, exitCode: 0, signal: null, ...a };
      },
    };
    const histories = new Map<string, ChatHistory>();
    const history = {
      load: async (p: string, c: string) => histories.get(`${p}/${c}`) ?? emptyHistory(p, c),
      append: async (p: string, c: string, t: ChatTurn) => {
        const next = appendTurn(histories.get(`${p}/${c}`) ?? emptyHistory(p, c), t, { historyTurns: 20 });
        histories.set(`${p}/${c}`, next);
        return next;
      },
    };
    const persona = join(dir, 'persona.md');
    const memory = join(dir, 'memory.md');
    writeFileSync(persona, 'PERSONA v1');
    writeFileSync(memory, 'MEMORY v1');
    const settings: ChatAgentSettings = {
      persona,
      memory,
      historyTurns: 20,
      timeoutMs: 120_000,
      model: 'sonnet',
      maxTurns: 10,
      allowedTools: ['Read', 'Grep'],
      env: { ROSHI_AGENT_OF: 'chat' },
      killGraceMs: 1_000,
      scratchDir: join(dir, 'chat', 'scratch'),
      runLogDir: join(dir, 'runs', 'chat'),
      readDirs: [dir, join(dir, 'not-created-yet')],
    };
    const missions = reader([
      mission('m-run', 'running', {
        text: 'sleepy mission',
        startedAt: NOW - 5_000,
        lease: { runner: 'runner-1', until: NOW + 1 },
      }),
    ]);
    const answerer = createChatAnswerer({
      agent,
      missions,
      readPause: async () => undefined,
      history,
      settings,
      logger: silentLogger(),
      now: () => NOW,
    });
    const turn = (id: string, attempt: number, text = 'hello'): TurnStart => ({
      id,
      attempt,
      waiting: 0,
      receivedAt: NOW,
      request: { ...request, text },
    });
    return { runs, answerer, turn, persona, memory, histories };
  }

  it('re-reads persona and memory for every request', async () => {
    const t = setup([{ summary: 'one' }, { summary: 'two' }]);
    await t.answerer.answer(t.turn('a', 0), new AbortController().signal);
    writeFileSync(t.persona, 'PERSONA v2');
    writeFileSync(t.memory, 'MEMORY v2');
    await t.answerer.answer(t.turn('b', 0), new AbortController().signal);
    expect(t.runs[0]!.prompt).toContain('PERSONA v1');
    expect(t.runs[0]!.prompt).toContain('MEMORY v1');
    expect(t.runs[1]!.prompt).toContain('PERSONA v2');
    expect(t.runs[1]!.prompt).toContain('MEMORY v2');
  });

  it('runs the agent read-only in the scratch dir, with the mission situation in the prompt, and records answered turns', async () => {
    const t = setup([{ summary: '  It is running.  ' }]);
    const answer = await t.answerer.answer(t.turn('a', 0, 'what runs?'), new AbortController().signal);
    expect(answer.text).toBe('It is running.');
    const run = t.runs[0]!;
    expect(run.cwd).toBe(join(t.persona, '..', 'chat', 'scratch'));
    // The read-only tools are the whole tool set; no allow rule widens where they read; no web.
    expect(run.tools).toEqual(['Read', 'Grep']);
    expect(run.allowedTools).toEqual([]);
    expect(run.disallowedTools).toEqual(['WebFetch', 'WebSearch']);
    expect(run.addDirs).toEqual([t.persona.slice(0, t.persona.lastIndexOf('/'))]);
    expect(run.model).toBe('sonnet');
    expect(run.timeoutMs).toBe(120_000);
    expect(run.idleTimeoutMs).toBe(120_000);
    expect(run.env.ROSHI_AGENT_OF).toBe('chat');
    expect(run.logFile).toContain(join('runs', 'chat', 'a-0-'));
    expect(run.prompt).toContain(
      'A mission is running now:\n- m-run [project:app] "sleepy mission" — on runner-1, for 5s',
    );
    expect(t.histories.get('telegram/42')?.turns).toEqual([
      { at: NOW, from: 'Ana', user: 'what runs?', answer: 'It is running.' },
    ]);
  });

  it('a retry leaves out memory and older history and has a shorter timeout', async () => {
    const t = setup([{ summary: 'first' }, { summary: 'second' }, { summary: '' }, { summary: 'late' }]);
    await t.answerer.answer(t.turn('a', 0, 'OLD-QUESTION-1'), new AbortController().signal);
    await t.answerer.answer(t.turn('b', 0, 'OLD-QUESTION-2'), new AbortController().signal);
    const empty = await t.answerer.answer(t.turn('c', 0, 'now?'), new AbortController().signal);
    expect(empty.text).toBe('');
    expect(t.runs[2]!.prompt).toContain('MEMORY v1');
    expect(t.runs[2]!.prompt).toContain('OLD-QUESTION-1');
    await t.answerer.answer(t.turn('c', 3, 'now?'), new AbortController().signal);
    const retry = t.runs[3]!;
    expect(retry.prompt).not.toContain('MEMORY v1');
    expect(retry.prompt).not.toContain('OLD-QUESTION');
    expect(retry.prompt).toContain('PERSONA v1');
    expect(retry.prompt).toContain('sleepy mission');
    expect(retry.timeoutMs).toBe(30_000);
    // The empty answer was not recorded.
    expect(t.histories.get('telegram/42')?.turns.map((x) => x.user)).toEqual([
      'OLD-QUESTION-1',
      'OLD-QUESTION-2',
      'now?',
    ]);
  });

  it('a run that does not succeed is an error for the machine to retry', async () => {
    const t = setup([
      { outcome: 'timeout', summary: '', error: 'killed after 120s without output (idle timeout)\nstderr: …' },
    ]);
    await expect(t.answerer.answer(t.turn('a', 0), new AbortController().signal)).rejects.toThrow(ChatTurnError);
  });
});

describe('chat requests', () => {
  it('takes text, chatId, provider, optional userId/userName; numbers as ids', () => {
    expect(
      parseChatRequest({ text: 'hi', chatId: -100123, provider: 'telegram', userId: 7, userName: ' Ana ' }),
    ).toEqual({
      text: 'hi',
      chatId: '-100123',
      provider: 'telegram',
      userId: '7',
      userName: 'Ana',
    });
  });

  it('refuses what does not read as a request, with a bad_payload error', () => {
    for (const bad of [
      {},
      { text: '', chatId: '1', provider: 'x' },
      { text: 'hi', provider: 'x' },
      { text: 'hi', chatId: '1' },
      { text: 'hi', chatId: {}, provider: 'x' },
      { text: 'hi', chatId: '1', provider: 'a.b' },
    ]) {
      expect(() => parseChatRequest(bad as Record<string, unknown>)).toThrow(
        expect.objectContaining({ code: 'bad_payload' }),
      );
    }
  });

  it("a reply may take every attempt's timeout plus the retry delays", () => {
    // 120 + 60 + 40 + 30 s of runs, 2 + 5 + 10 s of waiting, 5 s margin.
    expect(chatReplyBudgetMs(120_000)).toBe(272_000);
  });

  it('strips control and bidi-override characters from the text and the name, as at mission intake', () => {
    const r = parseChatRequest({
      text: 'what is \u202Eesrever\u202C\u001b[2J up?\r\n',
      chatId: '1',
      provider: 'console',
      userName: '\u2066Eve\u2069\u0007',
    });
    expect(r.text).toBe('what is esrever[2J up?\n');
    expect(r.userName).toBe('Eve');
    expect(() => parseChatRequest({ text: '\u0000\u202E', chatId: '1', provider: 'console' })).toThrow(
      expect.objectContaining({ code: 'bad_payload' }),
    );
  });

  it('clips a very long message instead of refusing it', () => {
    const r = parseChatRequest({ text: 'x'.repeat(MAX_TEXT + 10), chatId: '1', provider: 'console' });
    expect(r.text).toContain('[… 10 more characters not shown]');
  });
});

describe('read-only tools', () => {
  it('keeps tools that only read, drops the rest', () => {
    expect(
      readOnlyTools([
        'Read',
        'Glob',
        'Grep',
        'LS',
        'Read(//srv/**)',
        'Bash',
        'Bash(git log *)',
        'Write',
        'Edit',
        'mcp__x__y',
        'WebFetch',
        'WebSearch',
        ' ',
      ]),
    ).toEqual({
      allowed: ['Read', 'Glob', 'Grep', 'LS'],
      // A rule like Read(//srv/**) would widen where the chat reads; web tools are never a chat's.
      dropped: ['Read(//srv/**)', 'Bash', 'Bash(git log *)', 'Write', 'Edit', 'mcp__x__y', 'WebFetch', 'WebSearch'],
    });
  });
});
