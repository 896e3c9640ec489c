// The tree heals itself: real supervisor, real actor processes from dist/, real nats-server,
// faults injected with real signals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACTORS, DEFAULT_SERVICES, serviceNames } from '../harness/defaultTree.js';
import { isAlive } from '../harness/processes.js';
import { sleep, TestTree } from '../harness/tree.js';

describe('a running tree', () => {
  let tree: TestTree;
  beforeAll(async () => {
    tree = await TestTree.start({ config: { actors: { runner: { instances: 2 } } } });
    await tree.waitForRunning(['nats', ...DEFAULT_ACTORS]);
  });
  afterAll(async () => {
    await tree?.stop();
  });

  it('started the children in order: nats, watchdog, bridge, chat, runners, pr-poller, web', () => {
    const ready = tree.events.filter((e) => e.kind === 'ready').map((e) => e.child);
    // Events before the test connected may be missing; the journal has them all.
    const journal = tree
      .journal()
      .filter((e) => e.kind === 'ready')
      .map((e) => e.child);
    expect(journal).toEqual(['nats', ...DEFAULT_ACTORS]);
    expect(ready.every((name) => journal.includes(name))).toBe(true);
  });

  it('answers ping on every control subject and lists every actor as a NATS service', async () => {
    for (const actor of ['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'pr-poller']) {
      const pong = await tree.bus.request<{ pong: boolean; actor: string; pid: number }>(
        tree.bus.subjects.control(actor),
        { verb: 'ping' },
      );
      expect(pong).toMatchObject({ pong: true, actor });
      expect(isAlive(pong.pid)).toBe(true);
    }
    expect(await serviceNames(tree.bus)).toEqual(DEFAULT_SERVICES);
  });

  it('answers a malformed control request with an error and keeps running', async () => {
    const reply = await tree.bus.nc.request(tree.bus.subjects.control('chat'), new TextEncoder().encode('{not json'), {
      timeout: 2000,
    });
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({
      ok: false,
      error: { code: 'bad_payload' },
    });
    await expect(tree.bus.request(tree.bus.subjects.control('chat'), { verb: 'dance' })).rejects.toThrow(
      /unknown verb "dance"/,
    );
    tree.bus.nc.publish(tree.bus.subjects.heartbeat('chat'), new TextEncoder().encode('[1,2'));
    // @ts-expect-error a malformed verdict on purpose
    tree.bus.publish(tree.bus.subjects.watchdogVerdict, { nonsense: true });
    const pong = await tree.bus.request<{ pong: boolean }>(tree.bus.subjects.control('chat'), { verb: 'ping' });
    expect(pong.pong).toBe(true);
    expect((await tree.child('watchdog')).state).toBe('running');
  });

  it('respawns an actor killed with SIGKILL, and the new process heartbeats', async () => {
    const before = await tree.child('chat');
    process.kill(before.pid!, 'SIGKILL');
    const status = await tree.waitForStatus(
      (s) =>
        s.children.some(
          (c) => c.name === 'chat' && c.state === 'running' && c.pid !== before.pid && c.uptimeMs !== null,
        ),
      15_000,
      'chat respawned',
    );
    const after = status.children.find((c) => c.name === 'chat')!;
    expect(after.restarts).toBe(before.restarts + 1);
    expect(after.actorState).toBe('idle'); // the chat machine waits for requests
  });

  /** SIGSTOPs `pid` (child `name`) and waits until another process of it runs; the frozen one is let go after. */
  async function freezeUntilHealed(name: string, pid: number, timeoutMs: number) {
    process.kill(pid, 'SIGSTOP');
    try {
      await tree.waitForStatus(
        (s) => s.children.some((c) => c.name === name && c.state === 'running' && c.pid !== pid),
        timeoutMs,
        `${name} healed`,
      );
    } finally {
      if (isAlive(pid)) process.kill(pid, 'SIGCONT');
    }
  }

  it('heals a SIGSTOPped actor through the tiers in order', async () => {
    const before = await tree.child('bridge');
    const since = tree.events.length;
    await freezeUntilHealed('bridge', before.pid!, 30_000);
    const kinds = tree.events
      .slice(since)
      .filter((e) => e.child === 'bridge')
      .map((e) => e.kind);
    expect(kinds.indexOf('tier1')).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('tier2')).toBeGreaterThan(kinds.indexOf('tier1'));
    expect(kinds.indexOf('ready')).toBeGreaterThan(kinds.indexOf('tier2'));
    expect(isAlive(before.pid!)).toBe(false);
  });

  it('judges an actor that froze while the watchdog was restarting, from the heartbeats the supervisor kept', async () => {
    const watchdog = await tree.child('watchdog');
    const before = await tree.child('missions');
    // The new watchdog never hears the frozen actor: it must learn of it from the supervisor.
    process.kill(watchdog.pid!, 'SIGKILL');
    await freezeUntilHealed('missions', before.pid!, 40_000);
    expect((await tree.child('watchdog')).pid).not.toBe(watchdog.pid);
  });

  it('restarts an actor on request, cooperatively', async () => {
    const before = await tree.child('pr-poller');
    const since = tree.events.length;
    const { stdout } = await tree.cli(['restart', 'pr-poller']);
    expect(stdout).toMatch(/pr-poller: restarting/);
    await tree.waitForStatus(
      (s) => s.children.some((c) => c.name === 'pr-poller' && c.state === 'running' && c.pid !== before.pid),
      15_000,
      'pr-poller restarted',
    );
    const kinds = tree.events
      .slice(since)
      .filter((e) => e.child === 'pr-poller')
      .map((e) => e.kind);
    expect(kinds).toContain('rolling');
    expect(kinds).not.toContain('tier2');
    expect((await tree.child('pr-poller')).restarts).toBe(before.restarts); // not a failure
  });

  it('prints the tree with `status` and `status --json`', async () => {
    const { stdout } = await tree.cli(['status']);
    expect(stdout).toMatch(/^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+TIER\s+CIRCUIT\s+LAST VERDICT/m);
    expect(stdout).toMatch(/^watchdog\s+running\s+\d+/m);
    const json = JSON.parse((await tree.cli(['status', '--json'])).stdout);
    expect(json.nats.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(json.children.map((c: { name: string }) => c.name)).toEqual(['nats', ...DEFAULT_ACTORS]);
  });

  it('replaces a frozen nats-server once it has not answered for staleAfter, not when the client gives up', async () => {
    const before = await tree.child('nats');
    process.kill(before.pid!, 'SIGSTOP');
    try {
      // staleAfter is 1.5 s here; the client's own ping timeout would take tens of seconds.
      const status = await tree.waitForStatus(
        (s) => s.children.some((c) => c.name === 'nats' && c.state === 'running' && c.pid !== before.pid),
        15_000,
        'nats replaced',
      );
      expect(status.children.find((c) => c.name === 'nats')!.pid).not.toBe(before.pid);
    } finally {
      if (isAlive(before.pid!)) process.kill(before.pid!, 'SIGCONT');
    }
    await tree.waitForRunning(['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'runner-2', 'pr-poller']);
  });
});

describe('an actor that crashes at every start', () => {
  let tree: TestTree;
  beforeAll(async () => {
    tree = await TestTree.start({
      env: { ROSHI_FAULTS: 'chat:crash-on-start' },
      config: { actors: { runner: { enabled: false }, prPoller: { enabled: false } } },
    });
  });
  afterAll(async () => {
    await tree?.stop();
  });

  it('opens the circuit, sends one alert, probes half-open, and the rest of the tree runs', async () => {
    await tree.waitForEvent((e) => e.child === 'chat' && e.kind === 'circuitOpen', 30_000, 'chat circuit open');
    await tree.waitForEvent((e) => e.child === 'chat' && e.kind === 'halfOpen', 15_000, 'chat half-open probe');
    // A failed probe re-opens the circuit; that is an event, not a second alert.
    await tree.waitForEvent(
      () => tree.count('chat', 'circuitOpen') >= 2,
      15_000,
      'the circuit re-opened after the failed probe',
    );
    const status = await tree.waitForRunning(['watchdog', 'bridge']);
    expect(status.children.find((c) => c.name === 'chat')!.circuit).not.toBe('closed');
    const alerts = (await tree.outbox()).filter((a) => a.child === 'chat' && a.event === 'circuitOpen');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toMatch(/chat: circuit open/);
  });
});

describe('stopping the supervisor', () => {
  it('SIGTERM stops every child in reverse order and leaves no process', async () => {
    const tree = await TestTree.start({ config: { actors: { runner: { instances: 1 } } } });
    await tree.waitForRunning(['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'pr-poller', 'web']);
    const pids = await tree.pids();
    const { exitCode } = await tree.stop('SIGTERM');
    expect(exitCode).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    const stopped = tree
      .journal()
      .filter((e) => e.kind === 'stopped')
      .map((e) => e.child);
    expect(stopped).toEqual(['web', 'pr-poller', 'runner-1', 'chat', 'bridge', 'missions', 'watchdog', 'nats']);
  });

  it('SIGKILL: the children notice and exit by themselves within a few seconds', async () => {
    const tree = await TestTree.start({ config: { actors: { runner: { instances: 1 } } } });
    await tree.waitForRunning(['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'pr-poller', 'web']);
    const pids = await tree.pids();
    tree.process.kill('SIGKILL');
    const deadline = Date.now() + 5_000;
    while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
    const survivors = pids.filter(isAlive);
    for (const pid of survivors) process.kill(pid, 'SIGKILL');
    await tree.stop().catch(() => undefined);
    expect(survivors).toEqual([]);
  });
});
