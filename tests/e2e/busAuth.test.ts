// The embedded bus lets in only its users, and each user only onto its own subjects: a real
// tree from dist/, the real nats-server it starts, and connections made with the credentials it
// wrote (the test runs as the same Unix user, as an attacker on this account would).
import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACTORS, DEFAULT_SERVICES, serviceNames } from '../harness/defaultTree.js';
import { Bus } from '../../src/bus/index.js';
import { silentLogger } from '../../src/log.js';
import type { Mission } from '../../src/contracts/index.js';
import { isAlive } from '../harness/processes.js';
import { sleep, TestTree } from '../harness/tree.js';

interface ServerUser {
  user: string;
  password: string;
}

describe('the embedded bus with authorization', () => {
  let tree: TestTree;
  let url: string;
  let users: ServerUser[];
  const opened: Bus[] = [];
  const as = async (user: string) => {
    const entry = users.find((u) => u.user === user);
    if (!entry) throw new Error(`no user ${user} in nats.conf`);
    const bus = await Bus.connect({
      url,
      user,
      password: entry.password,
      name: `test-as-${user}`,
      prefix: 'roshi',
      logger: silentLogger(),
      waitForServer: false,
      requestTimeoutMs: 1_000,
    });
    opened.push(bus);
    return bus;
  };

  beforeAll(async () => {
    // Runners start paused: the missions added here only need to be recorded, not run.
    tree = await TestTree.start({
      config: {
        actors: { runner: { instances: 2 } },
        runner: { startPaused: true },
        projects: { app: { path: join(tmpdir(), 'roshi-no-such-checkout') } },
      },
    });
    await tree.waitForRunning(['nats', 'watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'runner-2', 'pr-poller']);
    url = readFileSync(join(tree.stateDir, 'nats.url'), 'utf8').trim();
    users = (
      JSON.parse(readFileSync(join(tree.stateDir, 'nats.conf'), 'utf8')) as { authorization: { users: ServerUser[] } }
    ).authorization.users;
  });
  afterAll(async () => {
    for (const bus of opened) await bus.nc.close().catch(() => undefined);
    await tree?.stop();
  });

  it('refuses a connection without credentials, or with a wrong password', async () => {
    await expect(
      Bus.connect({ url, name: 'stranger', prefix: 'roshi', logger: silentLogger(), waitForServer: false }),
    ).rejects.toThrow(/authorization violation/i);
    await expect(
      Bus.connect({
        url,
        user: 'operator',
        password: 'guess',
        name: 'stranger',
        prefix: 'roshi',
        logger: silentLogger(),
        waitForServer: false,
      }),
    ).rejects.toThrow(/authorization violation/i);
  });

  it('keeps its credentials in 0600 files, out of argv and status, fresh per user', async () => {
    for (const file of ['nats.conf', 'operator.env'])
      expect(statSync(join(tree.stateDir, file)).mode & 0o777).toBe(0o600);
    const passwords = users.map((u) => u.password);
    expect(new Set(passwords).size).toBe(passwords.length);
    expect(users.map((u) => u.user).sort()).toEqual([
      'bridge',
      'chat',
      'missions',
      'operator',
      'pr-poller',
      'runner-1',
      'runner-2',
      'supervisor',
      'watchdog',
      'web',
    ]);
    const status = await tree.status();
    const natsPid = status.children.find((c) => c.name === 'nats')!.pid!;
    const argv = readFileSync(`/proc/${natsPid}/cmdline`, 'utf8');
    const everything = [
      argv,
      JSON.stringify(status),
      ...['supervisor', 'nats', 'bridge', 'runner-1', 'missions'].map((n) => tree.log(n)),
    ].join('\n');
    for (const password of passwords) expect(everything).not.toContain(password);
  });

  it('the bridge cannot stop the tree, nor answer in the supervisor’s place', async () => {
    const bridge = await as('bridge');
    const supervisorPid = (await tree.status()).supervisor.pid;
    await expect(bridge.request(bridge.subjects.control('supervisor'), { verb: 'stop' })).rejects.toThrow();
    const heard: unknown[] = [];
    bridge.subscribe(bridge.subjects.control('supervisor'), (p) => void heard.push(p));
    await bridge.nc.flush();
    await sleep(500);
    expect(bridge.permissionViolations).toBeGreaterThanOrEqual(2); // reported by the client, logged at warn
    expect(isAlive(supervisorPid)).toBe(true);
    expect((await tree.status()).supervisor.state).not.toMatch(/stopping/);
    // The operator's own request is still answered by the real supervisor, once.
    const pong = await tree.bus.request<{ pong: boolean; pid: number }>(tree.bus.subjects.control('supervisor'), {
      verb: 'ping',
    });
    expect(pong.pid).toBe(supervisorPid);
    expect(heard).toEqual([]);
  });

  it('a runner cannot publish verdicts, another actor’s control or heartbeat, or add missions', async () => {
    const runner = await as('runner-1');
    const chatBefore = await tree.child('chat');
    const bridgeBefore = await tree.child('bridge');
    const verdicts: Array<{ actor?: string }> = [];
    const unsubscribe = tree.bus.subscribe(
      tree.bus.subjects.watchdogVerdict,
      (p) => void verdicts.push(p as { actor?: string }),
    );
    await tree.bus.nc.flush();
    for (let i = 0; i < 10; i++) {
      runner.publish(runner.subjects.watchdogVerdict, {
        actor: 'chat',
        verdict: 'dead',
        pid: chatBefore.pid as number,
        bootId: 'x',
        evidence: 'forged',
        at: Date.now(),
      });
    }
    runner.publish(runner.subjects.control('bridge'), { verb: 'stop' });
    // @ts-expect-error a forged, partial beat
    runner.publish(runner.subjects.heartbeat('watchdog'), { actor: 'watchdog', pid: 1, bootId: 'forged', seq: 1 });
    // Its own heartbeat subject, but naming another actor: the watchdog must not believe it.
    // @ts-expect-error a forged, partial beat
    runner.publish(runner.subjects.heartbeat('runner-1'), {
      actor: 'ghost',
      pid: process.pid,
      bootId: 'forged',
      seq: 1,
    });
    await expect(runner.request(runner.subjects.missions('add'), { text: 'forged' })).rejects.toThrow();
    await expect(runner.request(runner.subjects.missionsAs('add', 'bridge'), { text: 'forged' })).rejects.toThrow();
    await runner.nc.flush().catch(() => undefined);
    await sleep(1_500);
    unsubscribe();
    expect(verdicts.filter((v) => v.actor === 'chat' && (v as { evidence?: string }).evidence === 'forged')).toEqual(
      [],
    );
    const chatAfter = await tree.child('chat');
    const bridgeAfter = await tree.child('bridge');
    expect([chatAfter.pid, chatAfter.restarts]).toEqual([chatBefore.pid, chatBefore.restarts]);
    expect([bridgeAfter.pid, bridgeAfter.restarts]).toEqual([bridgeBefore.pid, bridgeBefore.restarts]);
    const table = await tree.bus.request<Record<string, unknown>>(tree.bus.subjects.control('watchdog'), {
      verb: 'table',
    });
    expect(Object.keys(table)).not.toContain('ghost');
    expect(runner.permissionViolations).toBeGreaterThanOrEqual(3);
  });

  /** Adds a mission on `actor`'s own missions subject over `client` (its connection), claiming `source` and `by`. */
  const addAs = (client: Bus, actor: string, text: string, source: string, by: string) =>
    client.request<Mission>(client.subjects.missionsAs('add', actor), { text, source, by }, 5_000);

  it('a mission’s source comes from who asked: a forged source is replaced by the authenticated one', async () => {
    const bridge = await as('bridge');
    const viaBridge = await addAs(bridge, 'bridge', 'from chat, claiming cli', 'cli', 'telegram:42');
    expect(viaBridge).toMatchObject({ source: 'chat', by: 'telegram:42' });
    const poller = await as('pr-poller');
    const viaPoller = await addAs(poller, 'pr-poller', 'from github, claiming chat', 'chat', 'octocat');
    expect(viaPoller).toMatchObject({ source: 'github', by: 'octocat' });
    // The bridge cannot speak as the pr-poller, nor on the operator's bare subject.
    await expect(
      bridge.request(bridge.subjects.missionsAs('add', 'pr-poller'), { text: 'as github' }),
    ).rejects.toThrow();
    await expect(bridge.request(bridge.subjects.missions('add'), { text: 'as operator' })).rejects.toThrow();
    const viaOperator = await tree.bus.request<Mission>(
      tree.bus.subjects.missions('add'),
      { text: 'from the operator, claiming github', source: 'github' },
      5_000,
    );
    expect(viaOperator.source).toBe('nats');
  });

  it('runs the whole tree without a single permission violation in any log', async () => {
    // Discovery too: a connection with two services (missions) answers one $SRV.PING twice.
    expect(await serviceNames(tree.bus)).toEqual(DEFAULT_SERVICES);
    await sleep(300);
    for (const name of ['supervisor', ...DEFAULT_ACTORS]) {
      expect(tree.log(name), `${name}.log`).not.toMatch(/permissions violation/i);
    }
  });

  it('the operator credential asks for status through the CLI and stops the tree', async () => {
    const cli = await tree.cli(['status', '--json']);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ nats: { embedded: true, connected: true } });
    const reply = await tree.bus.request<{ accepted: boolean }>(tree.bus.subjects.control('supervisor'), {
      verb: 'stop',
    });
    expect(reply.accepted).toBe(true);
    const result = await Promise.race([tree.process, sleep(20_000).then(() => undefined)]);
    expect(result?.exitCode).toBe(0);
    // This start's credentials are gone with it.
    expect(() => statSync(join(tree.stateDir, 'operator.env'))).toThrow();
  });
});
