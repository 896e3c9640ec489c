// The credential files in the state dir: operator.env round-trips and is private; nats-users.env
// is read in the forms an operator writes it (the same file the external server's environment uses).
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  newSecret,
  operatorEnvPath,
  readExternalUsers,
  readOperatorEnv,
  writeOperatorEnv,
} from '../../src/bus/credentials.js';

const dir = mkdtempSync(join(tmpdir(), 'roshi-creds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bus credentials on disk', () => {
  it('operator.env is 0600 and reads back as written', () => {
    const password = newSecret();
    writeOperatorEnv(dir, { url: 'nats://127.0.0.1:4333', user: 'operator', password });
    expect(statSync(operatorEnvPath(dir)).mode & 0o777).toBe(0o600);
    expect(readOperatorEnv(dir)).toEqual({ url: 'nats://127.0.0.1:4333', user: 'operator', password });
  });

  it('secrets are fresh and shell-safe', () => {
    const secrets = new Set(Array.from({ length: 100 }, newSecret));
    expect(secrets.size).toBe(100);
    for (const s of secrets) expect(s).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('nats-users.env: ROSHI_NATS_PASSWORD_<USER> lines, export and quotes allowed, other lines ignored', () => {
    writeFileSync(
      join(dir, 'nats-users.env'),
      '# per-actor users\nexport ROSHI_NATS_PASSWORD_RUNNER_1="a b"\nROSHI_NATS_PASSWORD_PR_POLLER=x=y\nOTHER=1\nROSHI_NATS_PASSWORD_CHAT=\n',
    );
    expect(readExternalUsers(dir)).toEqual(
      new Map([
        ['runner-1', 'a b'],
        ['pr-poller', 'x=y'],
      ]),
    );
    expect(readExternalUsers(join(dir, 'missing'))).toBeUndefined();
  });
});
