// With nats.url set, the supervisor starts no server of its own and every actor connects there:
// to an open server, and to one set up with the per-actor users block over TLS.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalServerBlock, natsUsers, passwordVariable } from '../../src/bus/permissions.js';
import { startNats, useNats, type TestNats } from '../harness/nats.js';
import { makeTlsFiles, type TlsFiles } from '../harness/natsAuth.js';
import { TestTree } from '../harness/tree.js';

describe('an external NATS server', () => {
  const nats = useNats();
  let tree: TestTree;
  beforeAll(async () => {
    tree = await TestTree.start({ natsUrl: nats.url, config: { actors: { runner: { enabled: false } } } });
  });
  afterAll(async () => {
    await tree?.stop();
  });

  it('runs the tree without an embedded server and reports the URL in use', async () => {
    const status = await tree.waitForRunning(['watchdog', 'missions', 'bridge', 'chat', 'pr-poller']);
    expect(status.nats).toMatchObject({ url: nats.url, embedded: false, connected: true });
    expect(status.children.map((c) => c.name)).toEqual(['watchdog', 'missions', 'bridge', 'chat', 'pr-poller']);
  });

  it('publishes inspection events of the actors and of the supervisor machine', async () => {
    const seen: Array<{ actor: string; kind: string; state?: unknown }> = [];
    const unsubscribe = tree.bus.subscribe(tree.bus.subjects.inspectAll, (p) => void seen.push(p as never));
    await tree.bus.request(tree.bus.subjects.supRestart, { actor: 'chat' });
    await tree.waitForStatus(
      () => seen.some((r) => r.actor === 'chat' && r.kind === 'snapshot' && r.state === 'idle'),
      15_000,
      'chat inspection snapshot',
    );
    expect(seen.some((r) => r.actor === 'supervisor' && r.kind === 'event')).toBe(true);
    unsubscribe();
  });
});

describe('an external NATS server set up with the per-actor users block, over TLS', () => {
  const actors = ['watchdog', 'missions', 'bridge', 'chat', 'pr-poller'];
  let nats: TestNats;
  let tree: TestTree;
  let tls: TlsFiles;
  let passwords: Record<string, string>;
  beforeAll(async () => {
    tls = makeTlsFiles();
    const users = natsUsers('roshi', actors);
    // The server reads each password from its environment, as the documented block says. A
    // leading letter: nats-server parses a variable's value, and "2026-…" would be a date.
    passwords = Object.fromEntries(users.map((u) => [passwordVariable(u.user), `p${randomBytes(24).toString('hex')}`]));
    nats = await startNats({
      scheme: 'tls',
      config: { tls: { cert_file: tls.certFile, key_file: tls.keyFile } },
      configText: externalServerBlock(users),
      env: passwords,
    });
    const stateDir = mkdtempSync(join(tmpdir(), 'roshi-tree-'));
    writeFileSync(
      join(stateDir, 'nats-users.env'),
      Object.entries(passwords)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
      { mode: 0o600 },
    );
    tree = await TestTree.start({
      stateDir,
      natsUrl: nats.url,
      natsAuth: { tls: { caFile: tls.caFile } },
      testAuth: { user: 'operator', password: passwords[passwordVariable('operator')]! },
      config: { actors: { runner: { enabled: false } } },
    });
  });
  afterAll(async () => {
    await tree?.stop();
    await nats?.stop();
    rmSync(tls.dir, { recursive: true, force: true });
  });

  it('every actor connects as its own user, with no permission violation, and the CLI as the operator', async () => {
    const status = await tree.waitForRunning(actors);
    expect(status.nats).toMatchObject({ embedded: false, connected: true });
    const cli = await tree.cli(['status', '--json']);
    expect(cli.exitCode, cli.stderr).toBe(0);
    // A command through the console: the bridge asks the missions actor under its own user and
    // answers through the outbox stream, each step allowed by the table.
    const lines: string[] = [];
    const unsubscribe = tree.bus.subscribe(tree.bus.subjects.bridgeConsole, (p) => void lines.push(String(p.text)));
    await tree.bus.nc.flush();
    tree.bus.publish(tree.bus.subjects.bridgeIn, { text: '/list' });
    await tree.waitForStatus(() => lines.length > 0, 15_000, 'a reply to /list on bridge.console');
    unsubscribe();
    expect(lines.join('\n')).toMatch(/no missions|queue/i);
    for (const name of ['supervisor', ...actors])
      expect(tree.log(name), `${name}.log`).not.toMatch(/permissions violation|authorization violation/i);
  });

  it('the server refuses the actors’ names without their passwords', async () => {
    const { Bus } = await import('../../src/bus/index.js');
    const { silentLogger } = await import('../../src/log.js');
    await expect(
      Bus.connect({
        url: nats.url,
        user: 'bridge',
        password: 'guess',
        tls: { caFile: tls.caFile },
        name: 'x',
        prefix: 'roshi',
        logger: silentLogger(),
        waitForServer: false,
      }),
    ).rejects.toThrow(/authorization violation/i);
  });
});
