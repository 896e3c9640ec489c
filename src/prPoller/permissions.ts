// Who may command roshi on GitHub: the one permission lookup behind mentions and review feedback.
// Allowed = listed in prPoller.authorizedUsers, or write, maintain or admin on the repository
// (`permission` and `role_name` both read). Answers are cached per repository and login for
// `ttlMs` (default 10 min); a failed lookup is not cached and never taken as "no".
// docs/github-mentions.md#commands-by-mention
import { collaboratorPermission, type GitHubClient } from '../adapters/github/index.js';

/** Repository permissions (base level or role) that may command roshi. */
export const WRITE_PERMISSIONS: ReadonlySet<string> = new Set(['admin', 'maintain', 'write']);

export const PERMISSION_TTL_MS = 10 * 60_000;

export interface Authorization {
  allowed: boolean;
  /** The role GitHub reported (admin, maintain, write, triage, read, none, a custom role), or 'authorizedUsers'. */
  permission: string;
}

export interface AuthorizerOptions {
  /** prPoller.authorizedUsers: allowed without a lookup (case-insensitive, as GitHub logins are). */
  authorizedUsers: readonly string[];
  ttlMs?: number;
  now?: () => number;
}

export interface Authorizer {
  /** Whether `login` may command roshi in `repo`, with the permission that decided it. */
  check(repo: string, login: string): Promise<Authorization>;
  /** Lookups sent to GitHub so far (for tests and status). */
  readonly lookups: number;
}

export function createAuthorizer(github: GitHubClient, options: AuthorizerOptions): Authorizer {
  const listed = new Set(options.authorizedUsers.map((u) => u.trim().toLowerCase()).filter((u) => u !== ''));
  const ttlMs = options.ttlMs ?? PERMISSION_TTL_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; answer: Promise<Authorization> }>();
  let lookups = 0;

  return {
    get lookups() {
      return lookups;
    },
    check(repo: string, login: string): Promise<Authorization> {
      if (listed.has(login.trim().toLowerCase()))
        return Promise.resolve({ allowed: true, permission: 'authorizedUsers' });
      if (login.trim() === '' || login === 'ghost') return Promise.resolve({ allowed: false, permission: 'none' });
      const key = `${repo.toLowerCase()}|${login.toLowerCase()}`;
      const hit = cache.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.answer;
      lookups++;
      const answer = collaboratorPermission(github, repo, login).then((p) => {
        const allowed = WRITE_PERMISSIONS.has(p.roleName) || WRITE_PERMISSIONS.has(p.permission);
        return { allowed, permission: allowed && !WRITE_PERMISSIONS.has(p.roleName) ? p.permission : p.roleName };
      });
      cache.set(key, { at: now(), answer });
      answer.catch(() => {
        if (cache.get(key)?.answer === answer) cache.delete(key);
      });
      if (cache.size > 1_000) cache.delete(cache.keys().next().value as string);
      return answer;
    },
  };
}
