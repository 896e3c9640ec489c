// The chat machine with a simulated clock: FIFO answering, the empty-answer retry schedule
// (2 s, 5 s, 10 s), stale reports, and draining.
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { chatMachine, type RefuseParams, type ReplyParams, type TurnStart } from '../../machines/chat.js';
import type { ChatRequest } from '../../src/contracts/index.js';

const req = (text: string, chatId = 'c1'): ChatRequest => ({ text, chatId, provider: 'console' });

function chat(options: { drainGraceMs?: number; retryDelaysMs?: number[]; maxQueue?: number } = {}) {
  const clock = new SimulatedClock();
  const started: Array<TurnStart & { at: number }> = [];
  const replies: ReplyParams[] = [];
  const refused: RefuseParams[] = [];
  const aborted: string[] = [];
  const log: string[] = [];
  const machine = chatMachine.provide({
    actions: {
      startTurn: (_, turn) => {
        started.push({ ...turn, at: clock.now() });
        log.push(`start ${turn.id}#${turn.attempt}`);
      },
      reply: (_, params) => {
        replies.push(params);
        log.push(`reply ${params.id} ${params.answered ? params.text : 'unanswered'}`);
      },
      refuse: (_, params) => {
        refused.push(params);
        log.push(`refuse ${params.id}`);
      },
      abortTurn: (_, { id, attempt }) => {
        aborted.push(`${id}#${attempt}`);
        log.push(`abort ${id}#${attempt}`);
      },
    },
  });
  const actor = createActor(machine, {
    clock,
    input: {
      drainGraceMs: options.drainGraceMs ?? 1_000,
      ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
      ...(options.maxQueue !== undefined ? { maxQueue: options.maxQueue } : {}),
    },
  });
  actor.start();
  const send = (id: string, text = id) => actor.send({ type: 'REQUEST', id, request: req(text), at: clock.now() });
  const answer = (id: string, attempt: number, text: string) =>
    actor.send({ type: 'TURN.ANSWERED', id, attempt, text });
  const fail = (id: string, attempt: number, error: string) => actor.send({ type: 'TURN.FAILED', id, attempt, error });
  return { clock, actor, started, replies, refused, aborted, log, send, answer, fail };
}

describe('chat machine: FIFO', () => {
  it('answers one request at a time, in arrival order, queueing the rest', () => {
    const c = chat();
    expect(c.actor.getSnapshot().value).toBe('idle');
    c.send('a');
    c.send('b');
    c.send('c');
    // Only the first is being answered; the others wait, none is refused.
    expect(c.started.map((s) => s.id)).toEqual(['a']);
    // `waiting` is what was queued behind it when its run started.
    expect(c.started[0]!.waiting).toBe(0);
    expect(c.refused).toEqual([]);
    expect(c.actor.getSnapshot().context.queue.map((q) => q.id)).toEqual(['a', 'b', 'c']);

    c.answer('a', 0, 'answer a');
    expect(c.started.map((s) => s.id)).toEqual(['a', 'b']);
    expect(c.started[1]!.waiting).toBe(1);
    c.send('d'); // arrives while b is answered
    c.answer('b', 0, 'answer b');
    c.answer('c', 0, 'answer c');
    c.answer('d', 0, 'answer d');
    expect(c.log).toEqual([
      'start a#0',
      'reply a answer a',
      'start b#0',
      'reply b answer b',
      'start c#0',
      'reply c answer c',
      'start d#0',
      'reply d answer d',
    ]);
    expect(c.actor.getSnapshot().value).toBe('idle');
    expect(c.actor.getSnapshot().context.answered).toBe(4);
  });

  it('ignores a report for a request or attempt that is not the one in hand', () => {
    const c = chat();
    c.send('a');
    c.answer('zzz', 0, 'stray');
    c.answer('a', 3, 'from an abandoned attempt');
    c.fail('a', 1, 'late failure');
    expect(c.replies).toEqual([]);
    expect(c.actor.getSnapshot().value).toEqual({ answering: 'asking' });
    c.answer('a', 0, 'the real one');
    expect(c.replies).toEqual([{ id: 'a', text: 'the real one', answered: true, attempts: 1 }]);
  });
});

describe('chat machine: the queue is bounded (chat.maxQueue)', () => {
  it('refuses a request beyond the bound at once as busy, keeps the queue as it was, and takes requests again once there is room', () => {
    const c = chat({ maxQueue: 3 });
    c.send('a'); // in hand
    c.send('b');
    c.send('c');
    c.send('d'); // one too many
    c.send('e');
    expect(c.refused).toEqual([
      {
        id: 'd',
        code: 'busy',
        reason: 'busy: 3 questions are already waiting for an answer; ask again in a little while',
      },
      {
        id: 'e',
        code: 'busy',
        reason: 'busy: 3 questions are already waiting for an answer; ask again in a little while',
      },
    ]);
    expect(c.actor.getSnapshot().context.queue.map((q) => q.id)).toEqual(['a', 'b', 'c']);
    expect(c.actor.getSnapshot().context.refused).toBe(2);
    // The one in hand is answered: room for one more.
    c.answer('a', 0, 'A');
    c.send('f');
    expect(c.actor.getSnapshot().context.queue.map((q) => q.id)).toEqual(['b', 'c', 'f']);
    expect(c.refused).toHaveLength(2);
    c.answer('b', 0, 'B');
    c.answer('c', 0, 'C');
    c.answer('f', 0, 'F');
    expect(c.replies.map((r) => r.text)).toEqual(['A', 'B', 'C', 'F']);
  });

  it('is unbounded when no bound is given', () => {
    const c = chat();
    for (let i = 0; i < 100; i++) c.send(`r${i}`);
    expect(c.refused).toEqual([]);
    expect(c.actor.getSnapshot().context.queue).toHaveLength(100);
  });
});

describe('chat machine: empty answers are retried after 2 s, 5 s and 10 s', () => {
  it('retries on the schedule, each retry a higher attempt, and replies with the retry that answered', () => {
    const c = chat();
    c.send('a');
    c.send('b');
    c.answer('a', 0, '   ');
    expect(c.actor.getSnapshot().value).toEqual({ answering: 'waiting' });
    c.clock.increment(1_999);
    expect(c.started).toHaveLength(1);
    c.clock.increment(1);
    expect(c.started.map((s) => [s.id, s.attempt, s.at])).toEqual([
      ['a', 0, 0],
      ['a', 1, 2_000],
    ]);
    c.answer('a', 1, '');
    c.clock.increment(4_999);
    expect(c.started).toHaveLength(2);
    c.clock.increment(1);
    expect(c.started[2]).toMatchObject({ id: 'a', attempt: 2, at: 7_000 });
    c.answer('a', 2, 'third time lucky');
    expect(c.replies).toEqual([{ id: 'a', text: 'third time lucky', answered: true, attempts: 3 }]);
    // b was queued all along and is answered next, from attempt 0.
    expect(c.started[3]).toMatchObject({ id: 'b', attempt: 0, at: 7_000 });
  });

  it('a failed run is retried like an empty one; after the third retry the request is replied to as unanswered', () => {
    const c = chat();
    c.send('a');
    c.send('b');
    c.fail('a', 0, 'timeout: killed after 120s');
    c.clock.increment(2_000);
    c.answer('a', 1, '');
    c.clock.increment(5_000);
    c.fail('a', 2, 'transient: 529 overloaded');
    c.clock.increment(9_999);
    expect(c.started).toHaveLength(3);
    c.clock.increment(1);
    expect(c.started.map((s) => `${s.id}#${s.attempt}@${s.at}`)).toEqual([
      'a#0@0',
      'a#1@2000',
      'a#2@7000',
      'a#3@17000',
    ]);
    c.answer('a', 3, '');
    expect(c.replies).toEqual([{ id: 'a', answered: false, attempts: 4, error: 'the answer was empty' }]);
    // Not stuck: the next request is answered at once.
    expect(c.started[4]).toMatchObject({ id: 'b', attempt: 0 });
    expect(c.actor.getSnapshot().context.unanswered).toBe(1);
  });

  it('takes its delays from the input', () => {
    const c = chat({ retryDelaysMs: [100] });
    c.send('a');
    c.answer('a', 0, '');
    c.clock.increment(100);
    c.fail('a', 1, 'boom');
    expect(c.replies).toEqual([{ id: 'a', answered: false, attempts: 2, error: 'boom' }]);
  });
});

describe('chat machine: draining', () => {
  it('idle: drains at once', () => {
    const c = chat();
    c.actor.send({ type: 'DRAIN' });
    expect(c.actor.getSnapshot().status).toBe('done');
  });

  it('lets the answer in progress finish, refuses the queue and anything new', () => {
    const c = chat();
    c.send('a');
    c.send('b');
    c.actor.send({ type: 'DRAIN' });
    expect(c.actor.getSnapshot().value).toBe('draining');
    c.send('late');
    expect(c.refused.map((r) => r.id)).toEqual(['late']);
    c.answer('a', 0, 'made it');
    expect(c.replies).toEqual([{ id: 'a', text: 'made it', answered: true, attempts: 1 }]);
    expect(c.refused.map((r) => r.id)).toEqual(['late', 'b']);
    expect(c.refused.every((r) => r.code === 'unavailable')).toBe(true);
    expect(c.actor.getSnapshot().status).toBe('done');
  });

  it('abandons the answer in progress after the drain grace', () => {
    const c = chat({ drainGraceMs: 500 });
    c.send('a');
    c.actor.send({ type: 'DRAIN' });
    c.clock.increment(499);
    expect(c.aborted).toEqual([]);
    c.clock.increment(1);
    expect(c.aborted).toEqual(['a#0']);
    expect(c.refused.map((r) => r.id)).toEqual(['a']);
    expect(c.actor.getSnapshot().status).toBe('done');
  });

  it('does not retry while draining: an empty answer is refused (to be asked again)', () => {
    const c = chat();
    c.send('a');
    c.actor.send({ type: 'DRAIN' });
    c.answer('a', 0, '');
    expect(c.replies).toEqual([]);
    expect(c.refused.map((r) => r.id)).toEqual(['a']);
    expect(c.actor.getSnapshot().status).toBe('done');
  });

  it('waiting for a retry: drains at once, refusing the request in hand', () => {
    const c = chat();
    c.send('a');
    c.answer('a', 0, '');
    c.actor.send({ type: 'DRAIN' });
    expect(c.refused.map((r) => r.id)).toEqual(['a']);
    expect(c.actor.getSnapshot().status).toBe('done');
    c.clock.increment(60_000);
    expect(c.started).toHaveLength(1);
  });
});
