// Where roshi's own files are. The package root is found by walking up to package.json, so the
// same code works from src/ under vitest and from dist/src/ after a build.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('roshi: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  cachedRoot = dir;
  return dir;
}

/** The CLI entry every actor process is started with. */
export function mainScript(): string {
  return join(packageRoot(), 'dist', 'main.js');
}

export function defaultConfigFile(): string {
  return join(packageRoot(), 'config', 'default.yaml');
}

/** `$XDG_STATE_HOME/roshi`, else `~/.local/state/roshi`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'roshi');
}

export interface BuildInfo {
  buildId: string;
  builtAt: string;
}

/** The build id on disk now. After `npm run build` it differs from the one a running process loaded. */
export function readBuildInfo(): BuildInfo {
  const file = join(packageRoot(), 'dist', 'build.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BuildInfo;
  } catch {
    return { buildId: 'dev', builtAt: new Date(0).toISOString() };
  }
}

/** The build id on disk, re-read only when dist/build.json changes (cheap enough to call often). */
export function diskBuildIdReader(): () => string | undefined {
  const file = join(packageRoot(), 'dist', 'build.json');
  let mtime = -1;
  let buildId: string | undefined;
  return () => {
    try {
      const stat = statSync(file);
      if (stat.mtimeMs !== mtime) {
        mtime = stat.mtimeMs;
        buildId = readBuildInfo().buildId;
      }
    } catch {
      buildId = undefined;
    }
    return buildId;
  };
}

/** Layout of the state directory. */
export function statePaths(stateDir: string) {
  return {
    root: stateDir,
    nats: join(stateDir, 'nats'),
    logs: join(stateDir, 'logs'),
    journal: join(stateDir, 'journal.jsonl'),
    runs: join(stateDir, 'runs'),
    /** Agent stream files of runs in progress (src/adapters/agent/streamFile.ts). */
    streams: join(stateDir, 'runs', 'streams'),
    missionsFile: join(stateDir, 'missions.md'),
  };
}

export interface PrivateDirResult {
  /** The mode the directory had when it was wider than 0700 and was tightened (e.g. 0o755). */
  tightenedFrom?: number;
}

/**
 * Creates the state dir 0700, or tightens an existing one that others could read or enter (an
 * older roshi made it 0755): it holds credentials, logs and mission text. Whatever lies below
 * is out of other users' reach once the directory itself is closed.
 */
export function ensurePrivateDir(dir: string): PrivateDirResult {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return {};
  chmodSync(dir, mode & 0o700);
  return { tightenedFrom: mode };
}
