// The bridge in a real tree: the console provider over NATS (what `nats pub roshi.bridge.in`
// and `nats sub roshi.bridge.console` see), commands, a mission run by a real runner with the
// real Claude CLI against the scripted API, the allow-list, and the durable outbox surviving a
// bridge that is frozen and killed with notifications pending.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durableState, publishDurable } from '../../src/bus/index.js';
import { ConsoleLines } from '../harness/bridgeConsole.js';
import { answerByLastMarker, promptsWith } from '../harness/chatScenarios.js';
import { runsBash, writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { isAlive } from '../harness/processes.js';
import type { Mission } from '../../src/contracts/index.js';
import { sleep, type TestTree } from '../harness/tree.js';

describe('the bridge', () => {
  let world: MissionWorld;
  let tree: TestTree;
  const consoleLines = new ConsoleLines(() => `--- bridge log (tail) ---\n${tree.log('bridge').slice(-3000)}`);
  const { lines, waitFor: waitForLine } = consoleLines;

  /** What `nats pub roshi.bridge.in '<json>'` does: raw bytes on the subject. */
  const say = (json: string) => tree.bus.nc.publish(tree.bus.subjects.bridgeIn, new TextEncoder().encode(json));

  useMissionTree(
    {
      config: (w) =>
        w.config({
          actors: { bridge: { enabled: true }, chat: { enabled: false }, prPoller: { enabled: false } },
          bridge: { providers: ['console'], allowedUsers: ['console:operator'] },
        }),
      running: ['watchdog', 'missions', 'bridge', 'runner-1'],
      // Then the bridge's machine is up too (providers started, outbox consumer ready).
      ready: ({ tree }) => consoleLines.listen(tree),
    },
    (started) => ({ world, tree } = started),
    90_000,
  );

  it('shows its providers on the control subject', async () => {
    const reply = await tree.bus.request<{
      state: string;
      providers: Record<string, { state: string }>;
      outbox: { durable: string; ready: boolean };
    }>(tree.bus.subjects.control('bridge'), { verb: 'providers' });
    expect(reply.state).toBe('running');
    expect(reply.providers.console).toMatchObject({ state: 'up' });
    expect(reply.outbox).toMatchObject({ durable: 'roshi-bridge', ready: true });
  });

  it('answers /status on bridge.console', async () => {
    const from = lines.length;
    say('{"text":"/status"}');
    const status = await waitForLine((l) => l.text.includes('missions:'), 15_000, 'the /status reply', from);
    expect(status.chatId).toBe('console');
    expect(status.text).toMatch(/✅ bridge running/);
    expect(status.text).toMatch(/✅ runner-1 running/);
    expect(status.text).toContain('dispatch: running');
    expect(status.text).toMatch(/runner-1: idle|runner-1: ▶/);
  });

  it('runs a mission from chat and delivers its result notification', async () => {
    world.scenarios.set('b-1', writesFile('bridge.txt', 'from the bridge'));
    const from = lines.length;
    say('{"text":"/mission add a file {{b-1}}"}');
    const queued = await waitForLine((l) => l.text.startsWith('⏳ queued'), 15_000, 'the queued reply', from);
    const id = /queued (\w+)/.exec(queued.text)?.[1];
    expect(id).toBeTruthy();
    expect(queued.text).toContain('[app] add a file {{b-1}}');
    const result = await waitForLine(
      (l) => l.text.includes('add a file {{b-1}}') && /^[✅⚠❌]/u.test(l.text),
      90_000,
      'the mission result notification',
      from,
    );
    expect(result.text).toMatch(/^✅ \[project:app\] add a file \{\{b-1\}\} → /);
    expect(result.text).toMatch(/\/acme\/app\/pull\/\d+/);
    // Each outbox message reaches the console once.
    await sleep(500);
    expect(lines.filter((l) => l.text === result.text)).toHaveLength(1);
  }, 120_000);

  it('refuses a user who is not on the allow-list and runs nothing', async () => {
    const from = lines.length;
    say('{"text":"/mission remove everything","user":"mallory"}');
    const refusal = await waitForLine((l) => l.text.includes('Not allowed'), 15_000, 'the refusal', from);
    expect(refusal.text).toContain('console:mallory');
    const list = await tree.bus.request<{ missions: Array<{ text: string }> }>(tree.bus.subjects.missions('list'), {});
    expect(list.missions.some((m) => m.text.includes('remove everything'))).toBe(false);
    expect(tree.log('bridge')).toMatch(/not on the allow-list refused/);
  });

  it('suggests a command for a typo and says chat is unavailable when no chat actor runs', async () => {
    const from = lines.length;
    say('{"text":"/stauts"}');
    await waitForLine((l) => l.text.includes('did you mean /status?'), 15_000, 'the suggestion', from);
    say('{"text":"hello, how are things"}');
    await waitForLine((l) => l.text.includes('chat is unavailable'), 15_000, 'chat unavailable', from);
  });

  it('delivers every notification once after the bridge was frozen and killed with them pending', async () => {
    const before = await tree.child('bridge');
    const pid = before.pid!;
    process.kill(pid, 'SIGSTOP');
    const texts = Array.from({ length: 5 }, (_, i) => `pending notification ${i + 1} (${Date.now()})`);
    for (const [i, text] of texts.entries()) {
      await publishDurable(
        tree.bus,
        tree.bus.subjects.bridgeOut,
        { id: `e2e-pending-${i}`, kind: 'notification', source: 'test', text, at: Date.now() },
        `e2e-pending-${i}`,
      );
    }
    await sleep(300); // the frozen process's pull request takes them: delivered, never acknowledged
    const held = await durableState(tree.bus, tree.bus.subjects.outboxStream, 'roshi-bridge');
    expect(held?.ackPending).toBeGreaterThanOrEqual(5); // a plain restart would wait out the 2-minute ack wait for these
    process.kill(pid, 'SIGKILL');
    await tree.waitForStatus(
      (s) => s.children.some((c) => c.name === 'bridge' && c.state === 'running' && c.pid !== null && c.pid !== pid),
      30_000,
      'a new bridge',
    );
    expect(isAlive(pid)).toBe(false);
    for (const text of texts) await waitForLine((l) => l.text === text, 20_000, text);
    await sleep(1_500);
    for (const text of texts) expect(lines.filter((l) => l.text === text)).toHaveLength(1);
    // And the new bridge still answers.
    const from = lines.length;
    say('{"text":"/help all"}');
    await waitForLine((l) => l.text.includes('Missions:'), 15_000, 'the /help reply', from);
  }, 90_000);
});

// Chat beside a mission, through the bridge: a chat question asked on the console while a
// mission's agent sits in a long Bash call is answered on the console before that mission ends.
describe('the bridge: chat while a mission runs', () => {
  let world: MissionWorld;
  let tree: TestTree;
  const consoleLines = new ConsoleLines(
    () =>
      `--- bridge log (tail) ---\n${tree.log('bridge').slice(-2000)}\n--- chat log (tail) ---\n${tree.log('chat').slice(-2000)}`,
  );
  const { lines, waitFor: waitForLine } = consoleLines;

  /** What `nats pub roshi.bridge.in '<json>'` does, as the allowed operator. */
  const say = (text: string) =>
    tree.bus.nc.publish(
      tree.bus.subjects.bridgeIn,
      new TextEncoder().encode(JSON.stringify({ text, user: 'operator' })),
    );

  useMissionTree(
    {
      // A chat prompt also holds the running mission's text and its marker, before the question.
      prepare: answerByLastMarker,
      config: (w) =>
        w.config({
          actors: {
            bridge: { enabled: true },
            chat: { enabled: true },
            runner: { enabled: true },
            prPoller: { enabled: false },
          },
          bridge: { providers: ['console'], allowedUsers: ['console:operator'] },
          chat: { timeout: '30s' },
        }),
      running: ['watchdog', 'missions', 'bridge', 'chat', 'runner-1'],
      ready: ({ tree }) => consoleLines.listen(tree),
    },
    (started) => ({ world, tree } = started),
    45_000,
  );

  it('answers a chat question on bridge.console before the running mission ends', async () => {
    const pidFile = join(world.dir, 'bridge-chat-sleep.pid');
    world.scenarios.set('bnap-1', runsBash(`sleep 20 & echo $! > ${pidFile}; wait $!`, 'take a long nap', 'slept'));
    world.scenarios.set('bchat-1', () => ({ text: 'answer to bchat-1: one mission is napping' }));
    let missionId: string | undefined;
    let sleepPid: number | undefined;
    try {
      const from = lines.length;
      say('/mission take a long nap {{bnap-1}}');
      const queued = await waitForLine((l) => l.text.startsWith('⏳ queued'), 15_000, 'the queued reply', from);
      missionId = /queued (\w+)/.exec(queued.text)?.[1];
      expect(missionId).toBeTruthy();

      // The agent is inside its Bash call once the sleep's pid is in the file and alive.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        try {
          const pid = Number(readFileSync(pidFile, 'utf8').trim());
          if (pid > 0 && isAlive(pid)) {
            sleepPid = pid;
            break;
          }
        } catch {
          // not written yet
        }
        await sleep(100);
      }
      expect(sleepPid, "the mission's agent started its `sleep 20`").toBeDefined();
      expect((await tree.bus.request<Mission>(tree.bus.subjects.missions('get'), { id: missionId })).status).toBe(
        'running',
      );

      const asked = Date.now();
      const fromChat = lines.length;
      say('what is running right now? {{bchat-1}}');
      const reply = await waitForLine((l) => l.text.includes('answer to bchat-1'), 18_000, 'the chat reply', fromChat);
      const tookMs = Date.now() - asked;
      expect(reply.chatId).toBe('console');
      expect(reply.text).toBe('answer to bchat-1: one mission is napping');

      // The mission had not ended when the reply arrived: still running, its sleep still alive,
      // and no result notification for it on the console.
      const after = await tree.bus.request<Mission>(tree.bus.subjects.missions('get'), { id: missionId });
      expect(after.status, `the chat reply took ${tookMs} ms`).toBe('running');
      expect(isAlive(sleepPid!), `the chat reply took ${tookMs} ms`).toBe(true);
      expect(lines.some((l) => l.text.includes('take a long nap') && /^[✅⚠❌]/u.test(l.text))).toBe(false);
      // It went through the chat actor, which knew about the mission.
      const [prompt] = promptsWith(world, 'bchat-1');
      expect(prompt).toBeDefined();
      const promptText = JSON.stringify((prompt!.body as { messages?: unknown }).messages ?? []);
      expect(promptText).toContain('A mission is running now');
      expect(promptText).toContain(missionId!);
    } finally {
      if (missionId)
        await tree.bus.request(tree.bus.subjects.missions('cancel'), { id: missionId }).catch(() => undefined);
      if (sleepPid !== undefined && isAlive(sleepPid)) {
        try {
          process.kill(sleepPid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
  }, 50_000);
});
