// Auth setups for a test nats-server, generated fresh in each test: a TLS CA and a server
// certificate (openssl), and operator mode with JWTs (an operator, an account with JetStream, a
// user and its .creds file), signed with the nkeys the nats client ships. No fixtures on disk.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from 'nats';

export interface TlsFiles {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A CA, and a server certificate it signed for 127.0.0.1 and localhost. */
export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'roshi-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=roshi test CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  );
  return { dir, caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}

export interface OperatorMode {
  /** Top-level server config: operator, memory resolver, the account preloaded. */
  serverConfig: Record<string, unknown>;
  /** A user's .creds file (JWT + seed), as `nsc` would write it. */
  credsFile: string;
  /** Removes the creds file's temp dir. */
  remove: () => void;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signJwt(claims: Record<string, unknown>, issuer: ReturnType<typeof nkeys.createOperator>): string {
  const body = `${b64({ typ: 'JWT', alg: 'ed25519-nkey' })}.${b64({ jti: randomUUID().replace(/-/g, '').toUpperCase(), iat: Math.floor(Date.now() / 1000), iss: issuer.getPublicKey(), ...claims })}`;
  return `${body}.${Buffer.from(issuer.sign(Buffer.from(body))).toString('base64url')}`;
}

/** Decentralised auth: operator → account (JetStream enabled) → user, and the user's creds file. */
export function makeOperatorMode(): OperatorMode {
  const dir = mkdtempSync(join(tmpdir(), 'roshi-jwt-'));
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const system = nkeys.createAccount();
  const user = nkeys.createUser();
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  const operatorJwt = signJwt(
    {
      name: 'roshi-test',
      sub: operator.getPublicKey(),
      nats: { type: 'operator', version: 2, system_account: system.getPublicKey() },
    },
    operator,
  );
  const accountJwt = signJwt(
    {
      name: 'roshi',
      sub: account.getPublicKey(),
      nats: {
        type: 'account',
        version: 2,
        limits: { ...unlimited, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 },
        default_permissions: { pub: {}, sub: {} },
      },
    },
    operator,
  );
  const systemJwt = signJwt(
    {
      name: 'SYS',
      sub: system.getPublicKey(),
      nats: { type: 'account', version: 2, limits: unlimited, default_permissions: { pub: {}, sub: {} } },
    },
    operator,
  );
  const userJwt = signJwt(
    {
      name: 'roshi-user',
      sub: user.getPublicKey(),
      nats: { type: 'user', version: 2, pub: {}, sub: {}, subs: -1, data: -1, payload: -1 },
    },
    account,
  );
  const credsFile = join(dir, 'user.creds');
  const seed = new TextDecoder().decode(user.getSeed());
  writeFileSync(
    credsFile,
    `-----BEGIN NATS USER JWT-----\n${userJwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
    { mode: 0o600 },
  );
  return {
    serverConfig: {
      operator: operatorJwt,
      system_account: system.getPublicKey(),
      resolver: 'MEMORY',
      resolver_preload: { [account.getPublicKey()]: accountJwt, [system.getPublicKey()]: systemJwt },
    },
    credsFile,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
