// `inspect` against a real tree: a WebSocket receiver of @statelyai/inspect, connected to the
// page's server, gets the supervisor's and a runner's machines (registration with definition,
// snapshots, events) in the Stately format; nothing is published while no inspector is attached.
import { createWebSocketReceiver } from '@statelyai/inspect';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mainScript } from '../../src/paths.js';
import { TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

type Received = Record<string, unknown> & { type: string; sessionId: string; actor?: string };

describe('inspect: the Stately inspector relay', () => {
  let tree: TestTree;
  const onBus: Received[] = [];

  beforeAll(async () => {
    tree = await TestTree.start({
      config: { actors: { prPoller: { enabled: false }, bridge: { enabled: false }, chat: { enabled: false } } },
    });
    tree.bus.subscribe(tree.bus.subjects.inspectAll, (payload) => void onBus.push(payload as unknown as Received));
    await tree.waitForRunning(['watchdog', 'missions', 'runner-1']);
  }, 60_000);
  afterAll(async () => {
    await tree?.stop();
  }, 30_000);

  it('publishes nothing until an inspector attaches', async () => {
    // Each child sends the supervisor heartbeats and the supervisor's machine reacts to them: if
    // inspection were on, a restart (many transitions) would show here. Wait for its end first.
    const before = (await tree.child('watchdog')).pid;
    await tree.bus.request(tree.bus.subjects.supRestart, { actor: 'watchdog' });
    await tree.waitForStatus(
      (s) => s.children.some((c) => c.name === 'watchdog' && c.state === 'running' && c.pid && c.pid !== before),
      20_000,
      'watchdog restarted',
    );
    await tree.bus.rtt();
    expect(onBus).toEqual([]);
  });

  it('delivers the supervisor and a runner to a WebSocket receiver in the Stately format', async () => {
    let output = '';
    const relay: ResultPromise = execa(
      process.execPath,
      [mainScript(), 'inspect', '--port', '0', '--config', tree.configFile],
      { reject: false, all: true, buffer: false, env: { ROSHI_LOG__PRETTY: 'never' } },
    );
    relay.all?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const page = await until(() => /open (http:\/\/\S+) in a browser/.exec(output)?.[1], 'the page URL', {
        timeoutMs: 20_000,
        detail: () => output,
      });
      const received: Received[] = [];
      createWebSocketReceiver({ server: page.replace(/^http/, 'ws') }).subscribe((event) =>
        received.push(event as unknown as Received),
      );
      const registration = (actor: string) =>
        received.find((e) => e.type === '@xstate.actor' && e.actor === actor && e.parentId === undefined);
      const supervisor = await until(() => registration('supervisor'), 'the supervisor registered', {
        timeoutMs: 20_000,
        detail: () => `${output}\n${JSON.stringify(received.slice(0, 5))}`,
      });
      const registered = () =>
        received
          .filter((e) => e.type === '@xstate.actor')
          .map((e) => `${e.sessionId} ${String(e.name)}`)
          .join('\n');
      const runner = await until(() => registration('runner-1'), 'runner-1 registered', {
        timeoutMs: 20_000,
        detail: registered,
      });
      for (const record of [supervisor, runner]) {
        expect(record).toMatchObject({ _version: '0.7.2', id: null, rootId: record.sessionId });
        expect(typeof record.createdAt).toBe('string');
        // The machine definition, as @statelyai/inspect sends it: the machine config as JSON.
        const definition = JSON.parse(String(record.definition)) as { id?: string; states?: object };
        expect(Object.keys(definition.states ?? {}).length).toBeGreaterThan(1);
        expect((record.snapshot as { status?: string }).status).toBe('active');
      }
      expect(supervisor.name).toBe('supervisor');
      // The child-supervision machines are the supervisor's children, registered under it.
      const childMachine = await until(
        () =>
          received.find(
            (e) =>
              e.type === '@xstate.actor' && e.parentId === supervisor.sessionId && e.name === 'supervisor/runner-1',
          ),
        'a child-supervision machine registered',
      );
      expect(JSON.parse(String(childMachine.definition)).states).toBeDefined();
      // The runner's pipeline breakers live outside its machine's actor system: announced too.
      for (const step of ['usage', 'journal', 'notify'])
        await until(
          () => received.find((e) => e.type === '@xstate.actor' && e.name === `runner-1/pipeline.${step}`),
          `runner-1's ${step} breaker registered`,
          { detail: registered },
        );

      // Live: a restart of runner-1 moves the supervisor's child machine (events and snapshots),
      // and the new runner-1 process registers once the next presence reaches it.
      received.length = 0;
      await tree.bus.request(tree.bus.subjects.supRestart, { actor: 'runner-1' });
      const event = await until(
        () => received.find((e) => e.type === '@xstate.event' && e.actor === 'supervisor'),
        "an event of the supervisor's machines",
        { timeoutMs: 20_000 },
      );
      expect(event).toMatchObject({ _version: '0.7.2' });
      expect(typeof (event.event as { type?: unknown }).type).toBe('string');
      const snapshot = await until(
        () => received.find((e) => e.type === '@xstate.snapshot' && e.actor === 'supervisor'),
        "a snapshot of the supervisor's machines",
      );
      expect((snapshot.snapshot as { value?: unknown }).value).toBeDefined();
      expect(typeof (snapshot.event as { type?: unknown }).type).toBe('string');
      await until(() => registration('runner-1'), 'the restarted runner-1 registered', { timeoutMs: 20_000 });
      await until(
        () => received.find((e) => e.type === '@xstate.snapshot' && e.actor === 'runner-1'),
        'a snapshot of runner-1',
        { timeoutMs: 20_000 },
      );

      // A viewer that connects late still gets every live machine with its definition.
      const late: Received[] = [];
      createWebSocketReceiver({ server: page.replace(/^http/, 'ws') }).subscribe((e) =>
        late.push(e as unknown as Received),
      );
      await until(
        () =>
          ['supervisor', 'runner-1', 'missions'].every((actor) =>
            late.some((e) => e.type === '@xstate.actor' && e.actor === actor && typeof e.definition === 'string'),
          ),
        'a late viewer got the registrations',
      );
    } finally {
      relay.kill('SIGINT');
      const result = await relay;
      expect(result.exitCode, output).toBe(0);
    }
  }, 90_000);
});
