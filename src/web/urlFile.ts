// <stateDir>/web.url: where the running web actor serves the page, for `status` and `web login`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';

export const WEB_URL_FILE = 'web.url';

export function writeWebUrl(stateDir: string, url: string): void {
  writeFileAtomic(join(stateDir, WEB_URL_FILE), `${url}\n`);
}

export function readWebUrl(stateDir: string): string | undefined {
  try {
    return readFileSync(join(stateDir, WEB_URL_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The port of the URL written last, which a restarted actor with web.port 0 tries first. */
export function previousPort(stateDir: string): number | undefined {
  const url = readWebUrl(stateDir);
  if (!url) return undefined;
  try {
    const port = Number(new URL(url).port);
    return port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}
