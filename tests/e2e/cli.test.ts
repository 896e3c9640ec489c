// The CLI as an operator meets it: help, config check, and clear errors with exit codes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACTORS } from '../harness/defaultTree.js';
import { findNatsServer } from '../../src/bus/embedded-server.js';
import { mainScript } from '../../src/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'roshi-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function roshi(args: string[], env: Record<string, string> = {}) {
  const result = await execa(process.execPath, [mainScript(), ...args], {
    reject: false,
    env: { ROSHI_STATE_DIR: dir, ...env },
  });
  return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('roshi CLI', () => {
  it('--help lists every command', async () => {
    const { code, stdout } = await roshi(['--help']);
    expect(code).toBe(0);
    for (const command of ['supervisor', 'actor', 'status', 'restart', 'config'])
      expect(stdout).toMatch(new RegExp(`^  ${command}\\s`, 'm'));
  });

  it('an unknown command is a usage error (64) with the help', async () => {
    const { code, stderr } = await roshi(['frobnicate']);
    expect(code).toBe(64);
    expect(stderr).toMatch(/unknown command "frobnicate"/);
    expect(stderr).toMatch(/usage: node dist\/main\.js/);
  });

  it('config check accepts the embedded defaults and a valid user file', async () => {
    expect((await roshi(['config', 'check'])).stdout).toMatch(/config ok \(defaults\)/);
    const file = configFile('ok.yaml', 'supervision:\n  sigtermGrace: 2s\nactors:\n  runner:\n    instances: 3\n');
    const { code, stdout } = await roshi(['config', 'check', '--config', file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/runners\s+3/);
  });

  it('a bad value stops with exit 78 naming the key, the value, what was expected and where it came from', async () => {
    const file = configFile('bad.yaml', 'supervision:\n  sigtermGrace: soon\n');
    const { code, stderr } = await roshi(['config', 'check', '--config', file]);
    expect(code).toBe(78);
    expect(stderr).toMatch(/supervision\.sigtermGrace/);
    expect(stderr).toMatch(/"soon"/);
    expect(stderr).toMatch(/duration/);
    expect(stderr).toContain(file);
  });

  it('an unknown key suggests the closest one', async () => {
    const file = configFile('typo.yaml', 'nats:\n  ulr: nats://127.0.0.1:4222\n');
    const { code, stderr } = await roshi(['config', 'check', '--config', file]);
    expect(code).toBe(78);
    expect(stderr).toMatch(/nats\.ulr.*did you mean nats\.url/);
  });

  it('an environment override is validated like the file', async () => {
    const { code, stderr } = await roshi(['config', 'check'], { ROSHI_ACTORS__RUNNER__INSTANCES: 'many' });
    expect(code).toBe(78);
    expect(stderr).toMatch(/actors\.runner\.instances.*ROSHI_ACTORS__RUNNER__INSTANCES/);
  });

  it('the supervisor refuses to start without nats-server and says how to install it', async () => {
    const file = configFile('nobin.yaml', 'nats:\n  embedded:\n    binary: /nonexistent/nats-server\n');
    const { code, stderr } = await roshi(['supervisor', '--config', file]);
    expect(code).toBe(69);
    expect(stderr).toMatch(/nats\.embedded\.binary.*not an executable/);
  });

  it('config nats-users prints the per-actor users block of this tree, valid for nats-server, without a secret', async () => {
    const file = configFile('users.yaml', 'actors:\n  runner:\n    instances: 2\n');
    const { code, stdout } = await roshi(['config', 'nats-users', '--config', file]);
    expect(code).toBe(0);
    const users = [...stdout.matchAll(/user: "([^"]+)", password: \$(ROSHI_NATS_PASSWORD_[A-Z0-9_]+)/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(users.map(([u]) => u)).toEqual(['supervisor', ...DEFAULT_ACTORS, 'operator']);
    const conf = configFile('server.conf', `listen: "127.0.0.1:4222"\n${stdout}\n`);
    const env = Object.fromEntries(users.map(([, variable]) => [variable!, 'x']));
    const check = await execa(findNatsServer(''), ['-c', conf, '-t'], { reject: false, env, extendEnv: false });
    expect(check.exitCode, String(check.stderr)).toBe(0);
    const json = JSON.parse((await roshi(['config', 'nats-users', '--json', '--config', file])).stdout) as Array<{
      user: string;
      publish: string[];
    }>;
    expect(json.find((u) => u.user === 'bridge')?.publish).not.toContain('roshi.ctl.supervisor');
  });

  it('status without a running supervisor says so clearly', async () => {
    const { code, stderr } = await roshi(['status']);
    expect(code).toBe(69);
    expect(stderr).toMatch(/no supervisor seems to be running/);
  });
});
