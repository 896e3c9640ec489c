// Who may see the live page: whoever holds the operator's web token (<stateDir>/web.token, 0600,
// made once and kept across restarts). A browser proves it with a session cookie (HttpOnly,
// SameSite=Strict) that a one-time login link sets; a script sends `Authorization: Bearer`.
// The link carries no token, only a code derived from it that expires and works once, so a
// link left in a history or a proxy log opens nothing later. docs/observability.md#logging-in
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';

export const WEB_TOKEN_FILE = 'web.token';
export const SESSION_COOKIE = 'roshi_web';
/** How long a login link works. */
export const LOGIN_CODE_TTL_MS = 5 * 60_000;

export function webTokenPath(stateDir: string): string {
  return join(stateDir, WEB_TOKEN_FILE);
}

export function readWebToken(stateDir: string): string | undefined {
  try {
    return readFileSync(webTokenPath(stateDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The token in the state dir, made (0600) when there is none yet. */
export function ensureWebToken(stateDir: string): string {
  const existing = readWebToken(stateDir);
  if (existing) return existing;
  const token = randomBytes(32).toString('base64url');
  writeFileAtomic(webTokenPath(stateDir), `${token}\n`);
  return token;
}

const mac = (token: string, text: string) => createHmac('sha256', token).update(text).digest('base64url');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The cookie value: derived, so a restarted web actor still knows the pages it let in. */
export function sessionValue(token: string): string {
  return mac(token, 'session');
}

export interface LoginCode {
  expires: number;
  nonce: string;
  code: string;
}

export function newLoginCode(token: string, now: number = Date.now()): LoginCode {
  const expires = now + LOGIN_CODE_TTL_MS;
  const nonce = randomBytes(12).toString('base64url');
  return { expires, nonce, code: mac(token, `login.${expires}.${nonce}`) };
}

/** The link `web login` prints: the page's URL plus a one-time code. */
export function loginLink(baseUrl: string, code: LoginCode): string {
  const query = new URLSearchParams({ e: String(code.expires), n: code.nonce, c: code.code });
  return `${baseUrl.replace(/\/$/, '')}/login?${query}`;
}

/** Checks requests against the token: cookie or bearer, and login codes that work once. */
export class WebAuth {
  private readonly used = new Map<string, number>();
  private readonly session: string;

  constructor(private readonly token: string) {
    this.session = sessionValue(token);
  }

  allows(headers: { cookie?: string | undefined; authorization?: string | undefined }): boolean {
    const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    if (bearer !== undefined && sameText(bearer, this.token)) return true;
    const cookie = cookieValue(headers.cookie, SESSION_COOKIE);
    return cookie !== undefined && sameText(cookie, this.session);
  }

  /** A login code from a link: valid, unexpired and not used before (then it is used up). */
  redeem(query: URLSearchParams, now: number = Date.now()): boolean {
    const expires = Number(query.get('e'));
    const nonce = query.get('n') ?? '';
    const code = query.get('c') ?? '';
    for (const [n, until] of this.used) if (until < now) this.used.delete(n);
    if (!Number.isFinite(expires) || expires < now || expires > now + LOGIN_CODE_TTL_MS) return false;
    if (nonce === '' || this.used.has(nonce)) return false;
    if (!sameText(code, mac(this.token, `login.${expires}.${nonce}`))) return false;
    this.used.set(nonce, expires);
    return true;
  }

  sessionCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=${this.session}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
