// Which GitHub repository a git remote points at: pure parsing of remote URLs and API hosts,
// no git command runs here.

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The web host of a GitHub API URL: api.github.com → github.com, https://ghe.example.com/api/v3
 * → ghe.example.com, api.acme.ghe.com → acme.ghe.com. Undefined for an unparsable URL.
 */
export function githubHostFromApiUrl(apiUrl: string): string | undefined {
  try {
    const host = new URL(apiUrl).hostname.toLowerCase();
    if (host === 'api.github.com') return 'github.com';
    if (host.startsWith('api.') && host.endsWith('.ghe.com')) return host.slice(4);
    return host;
  } catch {
    return undefined;
  }
}

/**
 * 'owner/name' of a GitHub remote URL: https://github.com/o/r(.git), git@github.com:o/r.git,
 * ssh://git@github.com[:port]/o/r.git. github.com is always accepted; `host` (from the config's
 * github.apiUrl, see githubHostFromApiUrl) adds a GitHub Enterprise host. Undefined otherwise.
 */
export function githubRepoFromRemote(url: string, host?: string): string | undefined {
  const hosts = new Set(['github.com', 'www.github.com']);
  if (host) hosts.add(host.toLowerCase());
  const text = url.trim();
  let h: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return undefined;
    }
    if (!['https:', 'http:', 'ssh:', 'git+ssh:', 'ssh+git:', 'git:'].includes(parsed.protocol)) return undefined;
    h = parsed.hostname;
    path = decodeURIComponent(parsed.pathname);
  } else if (scp) {
    h = scp[1] ?? '';
    path = scp[2] ?? '';
  } else {
    return undefined;
  }
  if (!hosts.has(h.toLowerCase())) return undefined;
  const parts = path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/');
  if (parts.length !== 2) return undefined;
  const [owner, name] = parts as [string, string];
  if (!OWNER.test(owner) || !NAME.test(name) || name === '.' || name === '..') return undefined;
  return `${owner}/${name}`;
}
