// The bridge in a real tree: the console provider over NATS (what `nats pub roshi.bridge.in`
// and `nats sub roshi.bridge.console` see), commands, a mission run by a real runner with the
// real Claude CLI against the scripted API, the allow-list, and the durable outbox surviving a
// bridge that is frozen and killed with notifications pending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleSubject } from '../../src/adapters/messaging/console.js';
import { durableState, publishDurable } from '../../src/bus/index.js';
import { createMissionWorld, writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { isAlive } from '../harness/processes.js';
import { sleep, TestTree } from '../harness/tree.js';

interface ConsoleLine {
  chatId: string;
  text: string;
  at: number;
}

describe('the bridge', () => {
  let world: MissionWorld;
  let tree: TestTree;
  const lines: ConsoleLine[] = [];

  /** What `nats pub roshi.bridge.in '<json>'` does: raw bytes on the subject. */
  const say = (json: string) => tree.bus.nc.publish(tree.bus.subjects.bridgeIn, new TextEncoder().encode(json));

  async function waitForLine(match: (line: ConsoleLine) => boolean, timeoutMs: number, what: string, from = 0): Promise<ConsoleLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = lines.slice(from).find(match);
      if (found) return found;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what} on bridge.console; saw:\n${lines.map((l) => l.text).join('\n---\n')}\n--- bridge log (tail) ---\n${tree.log('bridge').slice(-3000)}`);
  }

  beforeAll(async () => {
    world = await createMissionWorld();
    tree = await TestTree.start({
      config: world.config({
        actors: { bridge: { enabled: true }, chat: { enabled: false }, prPoller: { enabled: false } },
        bridge: { providers: ['console'], allowedUsers: ['console:operator'] },
      }),
      env: world.env,
    });
    tree.bus.subscribe(consoleSubject('roshi'), (payload) => void lines.push(payload as unknown as ConsoleLine));
    await tree.waitForRunning(['watchdog', 'missions', 'bridge', 'runner-1']);
    // Wait for the bridge's machine to be up (providers started, outbox consumer ready).
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const reply = await tree.bus.request<{ state: string }>(tree.bus.subjects.control('bridge'), { verb: 'providers' }).catch(() => undefined);
      if (reply?.state === 'running') break;
      await sleep(100);
    }
  }, 90_000);

  afterAll(async () => {
    await tree?.stop();
    await world?.stop();
  });

  it('shows its providers on the control subject', async () => {
    const reply = await tree.bus.request<{ state: string; providers: Record<string, { state: string }>; outbox: { durable: string; ready: boolean } }>(tree.bus.subjects.control('bridge'), { verb: 'providers' });
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
    const result = await waitForLine((l) => l.text.includes('add a file {{b-1}}') && /^[✅⚠❌]/u.test(l.text), 90_000, 'the mission result notification', from);
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
      await publishDurable(tree.bus, tree.bus.subjects.bridgeOut, { id: `e2e-pending-${i}`, kind: 'notification', source: 'test', text, at: Date.now() }, `e2e-pending-${i}`);
    }
    await sleep(300); // the frozen process's pull request takes them: delivered, never acknowledged
    const held = await durableState(tree.bus, tree.bus.subjects.outboxStream, 'roshi-bridge');
    expect(held?.ackPending).toBeGreaterThanOrEqual(5); // a plain restart would wait out the 2-minute ack wait for these
    process.kill(pid, 'SIGKILL');
    await tree.waitForStatus((s) => s.children.some((c) => c.name === 'bridge' && c.state === 'running' && c.pid !== null && c.pid !== pid), 30_000, 'a new bridge');
    expect(isAlive(pid)).toBe(false);
    for (const text of texts) await waitForLine((l) => l.text === text, 20_000, text);
    await sleep(1_500);
    for (const text of texts) expect(lines.filter((l) => l.text === text)).toHaveLength(1);
    // And the new bridge still answers.
    const from = lines.length;
    say('{"text":"/help"}');
    await waitForLine((l) => l.text.includes('Missions:'), 15_000, 'the /help reply', from);
  }, 90_000);
});
