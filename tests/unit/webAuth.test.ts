// The live page's gate: the token file (0600, kept), the session cookie derived from it, bearer
// tokens, and login codes that expire and work once.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cookieValue,
  ensureWebToken,
  LOGIN_CODE_TTL_MS,
  loginLink,
  newLoginCode,
  SESSION_COOKIE,
  sessionValue,
  WebAuth,
  webTokenPath,
} from '../../src/web/auth.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the web token', () => {
  it('is made once, private to the user, and kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roshi-web-'));
    dirs.push(dir);
    const token = ensureWebToken(dir);
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(statSync(webTokenPath(dir)).mode & 0o777).toBe(0o600);
    expect(ensureWebToken(dir)).toBe(token);
  });
});

describe('WebAuth', () => {
  const token = 'a-test-token-of-enough-length-0123456789';
  const auth = new WebAuth(token);

  it('admits the session cookie and the bearer token, nothing else', () => {
    expect(auth.allows({ cookie: `x=1; ${SESSION_COOKIE}=${sessionValue(token)}` })).toBe(true);
    expect(auth.allows({ authorization: `Bearer ${token}` })).toBe(true);
    expect(auth.allows({})).toBe(false);
    expect(auth.allows({ cookie: `${SESSION_COOKIE}=${token}` })).toBe(false);
    expect(auth.allows({ authorization: `Bearer ${token}x` })).toBe(false);
    expect(auth.allows({ cookie: `${SESSION_COOKIE}=${sessionValue('another-token')}` })).toBe(false);
  });

  it('redeems a login code once, and never an expired, forged or far-future one', () => {
    const now = 1_000_000;
    const code = newLoginCode(token, now);
    const query = new URL(loginLink('http://127.0.0.1:1', code)).searchParams;
    expect(query.get('c')).toBe(code.code);
    expect(loginLink('http://127.0.0.1:1', code)).not.toContain(token);
    expect(auth.redeem(query, now + 1000)).toBe(true);
    expect(auth.redeem(query, now + 2000)).toBe(false);
    const late = new URL(loginLink('http://h', newLoginCode(token, now))).searchParams;
    expect(auth.redeem(late, now + LOGIN_CODE_TTL_MS + 1)).toBe(false);
    const forged = new URL(loginLink('http://h', newLoginCode('other-token', now))).searchParams;
    expect(auth.redeem(forged, now)).toBe(false);
    const far = new URL(loginLink('http://h', newLoginCode(token, now + 10 * LOGIN_CODE_TTL_MS))).searchParams;
    expect(auth.redeem(far, now)).toBe(false);
  });

  it('sets an HttpOnly, SameSite=Strict cookie, Secure over TLS', () => {
    expect(auth.sessionCookie(false)).toMatch(/^roshi_web=[^;]+; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(auth.sessionCookie(true)).toMatch(/; Secure$/);
    expect(cookieValue('a=1; roshi_web=xyz=; b=2', SESSION_COOKIE)).toBe('xyz=');
  });
});
