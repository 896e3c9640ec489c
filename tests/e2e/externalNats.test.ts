// With nats.url set, the supervisor starts no server of its own and every actor connects there:
// to an open server, and to one set up with the per-actor users block over TLS.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalServerBlock, natsUsers, passwordVariable } from '../../src/bus/permissions.js';
import type { InspectionRecord } from '../../src/contracts/inspection.js';
import { startRelay } from '../../src/inspect/relay.js';
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
    const names = ['watchdog', 'missions', 'bridge', 'chat', 'pr-poller', 'web'];
    const status = await tree.waitForRunning(names);
    expect(status.nats).toMatchObject({ url: nats.url, embedded: false, connected: true });
    expect(status.children.map((c) => c.name)).toEqual(names);
  });

  it('publishes inspection records of the actors and of the supervisor machine to an inspector', async () => {
    await tree.waitForRunning(['chat']);
    const seen: InspectionRecord[] = [];
    // Machines publish only while an inspector is present (src/inspect/gate.ts): be one.
    const relay = await startRelay({ bus: tree.bus, send: (record) => void seen.push(record) });
    try {
      const restartedAt = Date.now();
      await tree.bus.request(tree.bus.subjects.supRestart, { actor: 'chat' });
      // The new chat process announces its machine (with its snapshot) as soon as it hears the
      // inspector, and reports each later transition.
      await tree.waitForStatus(
        () =>
          seen.some(
            (r) =>
              r.actor === 'chat' &&
              (r.type === '@xstate.snapshot' || r.type === '@xstate.actor') &&
              r.snapshot.value === 'idle' &&
              Number(r.createdAt) >= restartedAt,
          ),
        15_000,
        `the restarted chat's machine (seen: ${[...new Set(seen.map((r) => `${r.actor} ${r.type}`))].join(', ')})`,
      );
      expect(seen.some((r) => r.actor === 'supervisor' && r.type === '@xstate.event')).toBe(true);
    } finally {
      relay.stop();
    }
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
