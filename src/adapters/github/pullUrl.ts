// A pull request's web URL, https://<host>/<owner>/<repo>/pull/<number>, read in one place.

const PULL_URL = /^https?:\/\/[^/\s]+\/([^/\s]+)\/([^/\s]+)\/pull\/(\d+)(?:[/?#]|$)/;

/** owner/name and number of a pull request's web URL; undefined for anything else. */
export function parsePullUrl(url: string): { repo: string; number: number } | undefined {
  const m = PULL_URL.exec(url.trim());
  return m ? { repo: `${m[1]}/${m[2]}`, number: Number(m[3]) } : undefined;
}
