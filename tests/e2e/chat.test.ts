// The chat actor end to end: the real supervisor and chat process from dist/, the real Claude
// Code CLI against the scripted Messages API, a real runner on a real mission beside it.
//
// The fake API answers by marker: a chat message carries `{{chat-…}}`, and the scenario for it
// answers with text naming the marker, so each reply can be matched to its request. A chat
// prompt can hold older markers too (the history, the running mission's text), so this file
// answers by the LAST marker in the request: the message to answer ends the prompt.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatReply, Mission } from '../../src/contracts/index.js';
import { answerByLastMarker, promptsWith, promptText } from '../harness/chatScenarios.js';
import { runsBash, type MissionWorld } from '../harness/missionWorld.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { deepMerge, sleep, type TestTree } from '../harness/tree.js';

const CHAT_TIMEOUT_MS = 90_000;

describe('chat', () => {
  let world: MissionWorld;
  let tree: TestTree;

  const persona = (w: MissionWorld) => join(w.dir, 'persona.md');
  const memory = (w: MissionWorld) => join(w.dir, 'memory.md');
  useMissionTree(
    {
      prepare: (w) => {
        writeFileSync(persona(w), 'You are the e2e chat. PERSONA-E2E\n');
        writeFileSync(memory(w), 'The operator likes short answers. MEMORY-E2E\n');
        answerByLastMarker(w);
      },
      config: (w) =>
        deepMerge(w.config(), {
          actors: { chat: { enabled: true } },
          chat: { persona: persona(w), memory: memory(w), timeout: '60s', historyTurns: 4 },
        }),
      running: ['missions', 'runner-1', 'chat'],
    },
    (started) => ({ world, tree } = started),
  );
  // Registered after the tree's hooks, so it runs before the tree stops (vitest runs them as a stack).
  afterAll(() => {
    if (process.env.CHAT_E2E_LOG) console.log(tree?.log('chat'));
  });

  const ask = (text: string, chatId = 'e2e-1') =>
    tree.bus.request<ChatReply>(
      tree.bus.subjects.chatRequest,
      { text, chatId, provider: 'console', userId: 'tester' },
      CHAT_TIMEOUT_MS,
    );
  const answers = (marker: string, text = `answer to ${marker}`) => world.scenarios.set(marker, () => ({ text }));

  it("answers a request with the agent's answer, with persona and memory in the prompt", async () => {
    answers('chat-hello');
    const reply = await ask('hello there {{chat-hello}}');
    expect(reply.text).toBe('answer to chat-hello');
    expect(reply.answered).toBe(true);
    expect(reply.attempts).toBe(1);
    const [prompt] = promptsWith(world, 'chat-hello');
    expect(prompt).toBeDefined();
    expect(promptText(prompt!)).toContain('PERSONA-E2E');
    expect(promptText(prompt!)).toContain('MEMORY-E2E');
    expect(promptText(prompt!)).toContain('No mission is running now.');
  });

  it('an answer ready after the asker stopped waiting (replyBy passed) goes through the outbox', async () => {
    answers('chat-late', 'the late answer');
    // replyBy already past: the asker (a bridge behind a long queue) has given up on the reply.
    await tree.bus.request<ChatReply>(
      tree.bus.subjects.chatRequest,
      { text: 'late one {{chat-late}}', chatId: 'late-chat', provider: 'console', replyBy: Date.now() - 1 },
      CHAT_TIMEOUT_MS,
    );
    const deadline = Date.now() + 10_000;
    let delivered: Record<string, unknown> | undefined;
    while (!delivered && Date.now() < deadline) {
      delivered = (await tree.outbox()).find((m) => m.source === 'chat' && m.chatId === 'late-chat');
      if (!delivered) await new Promise((r) => setTimeout(r, 200));
    }
    expect(delivered).toMatchObject({
      kind: 'reply',
      source: 'chat',
      provider: 'console',
      chatId: 'late-chat',
      text: 'the late answer',
    });
  });

  it('refuses an unreadable request at once, and goes on answering', async () => {
    await expect(
      // @ts-expect-error a malformed request on purpose
      tree.bus.request(tree.bus.subjects.chatRequest, { text: 42, chatId: 'x', provider: 'console' }, 5_000),
    ).rejects.toThrow(/"text" must be a non-empty string/);
    answers('chat-after-bad');
    expect((await ask('still there? {{chat-after-bad}}')).text).toBe('answer to chat-after-bad');
  });

  it('answers while a mission runs, before the mission ends, knowing which mission runs', async () => {
    world.scenarios.set('sleep-1', runsBash('sleep 20', 'take a nap', 'slept'));
    const mission = await tree.bus.request<Mission>(
      tree.bus.subjects.missions('add'),
      { text: 'take a long nap {{sleep-1}}', source: 'nats' },
      5_000,
    );
    // Wait until the agent is inside its 20 s Bash call: the API has asked for it.
    const deadline = Date.now() + 30_000;
    while (promptsWith(world, 'sleep-1').length === 0 && Date.now() < deadline) await sleep(100);
    await sleep(500);
    expect((await tree.bus.request<Mission>(tree.bus.subjects.missions('get'), { id: mission.id })).status).toBe(
      'running',
    );

    answers('chat-busy');
    const asked = Date.now();
    const reply = await ask('what are you doing right now? {{chat-busy}}', 'e2e-busy');
    const tookMs = Date.now() - asked;
    expect(reply.text).toBe('answer to chat-busy');
    const after = await tree.bus.request<Mission>(tree.bus.subjects.missions('get'), { id: mission.id });
    expect(after.status, `the chat took ${tookMs} ms`).toBe('running');
    const prompt = promptText(promptsWith(world, 'chat-busy')[0]!);
    expect(prompt).toContain('A mission is running now');
    expect(prompt).toContain(mission.id);
    expect(prompt).toContain('take a long nap');
    await tree.bus.request(tree.bus.subjects.missions('cancel'), { id: mission.id });
  });

  it("retries an empty answer (after 2 s, lighter) and returns the retry's answer", async () => {
    // The CLI itself nudges the model once within a run after an empty response ("Your previous
    // response had no visible output"): two empty responses make one empty run.
    let calls = 0;
    world.scenarios.set('chat-empty', () => (++calls <= 2 ? { text: '' } : { text: 'second try at chat-empty' }));
    const asked = Date.now();
    const reply = await ask('say something {{chat-empty}}', 'e2e-empty');
    expect(reply.text).toBe('second try at chat-empty');
    expect(reply.answered).toBe(true);
    expect(reply.attempts).toBe(2);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(2_000);
    const prompts = promptsWith(world, 'chat-empty');
    expect(prompts).toHaveLength(3);
    const [first, , retry] = prompts;
    expect(retry!.at - prompts[1]!.at).toBeGreaterThanOrEqual(2_000);
    // The retry's context is lighter: no memory.
    expect(promptText(first!)).toContain('MEMORY-E2E');
    expect(promptText(retry!)).not.toContain('MEMORY-E2E');
    expect(promptText(retry!)).toContain('PERSONA-E2E');
  });

  it('answers three requests sent at once in order, each seeing the ones before in its history', async () => {
    for (const n of [1, 2, 3]) answers(`chat-q${n}`);
    const order: number[] = [];
    const replies = await Promise.all(
      [1, 2, 3].map((n) =>
        ask(`question number ${n} {{chat-q${n}}}`, 'e2e-fifo').then((reply) => {
          order.push(n);
          return reply;
        }),
      ),
    );
    expect(replies.map((r) => r.text)).toEqual(['answer to chat-q1', 'answer to chat-q2', 'answer to chat-q3']);
    expect(order).toEqual([1, 2, 3]);
    const firstAsked = [1, 2, 3].map((n) => promptsWith(world, `chat-q${n}`)[0]!);
    expect(firstAsked[0]!.at).toBeLessThan(firstAsked[1]!.at);
    expect(firstAsked[1]!.at).toBeLessThan(firstAsked[2]!.at);
    // FIFO and history together: the third prompt holds the first two exchanges.
    // Each prompt knew how many chat messages were still waiting behind it.
    expect(promptText(firstAsked[1]!)).toContain('Chat: 1 more message is waiting for an answer after this one.');
    const third = promptText(firstAsked[2]!);
    expect(third).toContain('answer to chat-q1');
    expect(third).toContain('answer to chat-q2');
  });

  it('keeps a conversation across a restart of the chat process (history in KV)', async () => {
    const before = (await tree.child('chat')).pid;
    await tree.bus.request(tree.bus.subjects.supRestart, { actor: 'chat', by: 'test' });
    await tree.waitForStatus(
      (s) => s.children.some((c) => c.name === 'chat' && c.state === 'running' && c.pid !== null && c.pid !== before),
      20_000,
      'chat restarted',
    );
    answers('chat-q4');
    let reply: ChatReply | undefined;
    // The new process subscribes once its store is open: until then nobody answers.
    const deadline = Date.now() + 15_000;
    while (!reply && Date.now() < deadline) {
      reply = await ask('do you remember? {{chat-q4}}', 'e2e-fifo').catch(async (error: Error) => {
        if (!/nobody is listening/.test(error.message)) throw error;
        await sleep(200);
        return undefined;
      });
    }
    expect(reply?.text).toBe('answer to chat-q4');
    const prompt = promptText(promptsWith(world, 'chat-q4')[0]!);
    expect(prompt).toContain('question number 3');
    expect(prompt).toContain('answer to chat-q3');
  });

  it('a restart lets nothing hang: the answer in progress and the queue are refused, to be asked again', async () => {
    world.scenarios.set('chat-hang', () => ({ hang: true }));
    answers('chat-queued');
    const hanging = ask('this one hangs {{chat-hang}}', 'e2e-drain').then(
      () => 'answered',
      (error: Error) => error.message,
    );
    const deadline = Date.now() + 20_000;
    while (promptsWith(world, 'chat-hang').length === 0 && Date.now() < deadline) await sleep(100);
    const queued = ask('and this one waits {{chat-queued}}', 'e2e-drain').then(
      () => 'answered',
      (error: Error) => error.message,
    );
    await sleep(300);
    const before = (await tree.child('chat')).pid;
    await tree.bus.request(tree.bus.subjects.supRestart, { actor: 'chat', by: 'test' });
    expect(await hanging).toMatch(/restarting; ask again/);
    expect(await queued).toMatch(/restarting; ask again/);
    expect(promptsWith(world, 'chat-queued')).toHaveLength(0);
    await tree.waitForStatus(
      (s) => s.children.some((c) => c.name === 'chat' && c.state === 'running' && c.pid !== null && c.pid !== before),
      20_000,
      'chat restarted',
    );
    // The new process answers (and the abandoned agent is gone: the suite's leak check).
    let reply: ChatReply | undefined;
    const until = Date.now() + 15_000;
    while (!reply && Date.now() < until) {
      reply = await ask('and now? {{chat-queued}}', 'e2e-drain').catch(async () => {
        await sleep(200);
        return undefined;
      });
    }
    expect(reply?.text).toBe('answer to chat-queued');
  });
});
