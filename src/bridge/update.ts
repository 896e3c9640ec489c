// `/update`: bring the installed roshi up to date in place. `git pull --ff-only` in the package
// directory, then `npm run build`, each step reported as it ends. The build writes a new build
// id (dist/build.json); the watchdog sees every actor running the old one (drift) and the
// supervisor rolls the tree one actor at a time with cooperative restarts — this process
// included, after its report went out through the durable outbox.
//
// Nothing to pull means nothing to build (a rebuild would roll the tree for nothing), unless
// the operator says `/update force`.
import { execa } from 'execa';

export interface UpdateStep {
  step: 'git pull' | 'npm ci' | 'build';
  ok: boolean;
  detail: string;
  durationMs: number;
}

export interface UpdateResult {
  ok: boolean;
  steps: UpdateStep[];
  /** The build ran (a new build id is on disk). */
  built: boolean;
}

export interface UpdateOptions {
  /** The package directory (a git clone of roshi). */
  cwd: string;
  /** Called with one line per step as it ends. */
  report: (line: string) => Promise<void>;
  force?: boolean;
  gitTimeoutMs?: number;
  buildTimeoutMs?: number;
  env?: Record<string, string>;
}

const TAIL_LINES = 12;

export async function runUpdate(options: UpdateOptions): Promise<UpdateResult> {
  const steps: UpdateStep[] = [];
  const env = { GIT_TERMINAL_PROMPT: '0', ...options.env };

  const before = await run('git', ['rev-parse', 'HEAD'], options.cwd, 10_000, env);
  const pull = await run('git', ['pull', '--ff-only'], options.cwd, options.gitTimeoutMs ?? 120_000, env);
  const upToDate = pull.ok && /already up[ -]to[ -]date/i.test(pull.output);
  const pullStep: UpdateStep = {
    step: 'git pull',
    ok: pull.ok,
    detail: pull.ok ? lastLines(pull.output, 3) || 'done' : pull.error,
    durationMs: pull.durationMs,
  };
  steps.push(pullStep);
  await options.report(
    pull.ok
      ? `✅ git pull (${seconds(pull.durationMs)}): ${pullStep.detail}`
      : `❌ git pull failed: ${pull.error}\nNothing was built; the running tree is unchanged.`,
  );
  if (!pull.ok) return { ok: false, steps, built: false };
  if (upToDate && !options.force) {
    await options.report('Already up to date: build skipped (say /update force to rebuild anyway).');
    return { ok: true, steps, built: false };
  }

  // New or changed dependencies: the build (and the rolled actors) must not run on stale modules.
  const changed = before.ok
    ? await run('git', ['diff', '--name-only', before.output.trim(), 'HEAD'], options.cwd, 10_000, env)
    : undefined;
  if (!changed?.ok || /(^|\n)package-lock\.json(\n|$)/.test(changed.output)) {
    const install = await run(
      'npm',
      ['ci', '--no-audit', '--no-fund'],
      options.cwd,
      options.buildTimeoutMs ?? 600_000,
      env,
    );
    steps.push({
      step: 'npm ci',
      ok: install.ok,
      detail: install.ok ? 'done' : install.error,
      durationMs: install.durationMs,
    });
    await options.report(
      install.ok
        ? `✅ npm ci (${seconds(install.durationMs)}): dependencies updated`
        : `❌ npm ci failed: ${install.error}\nNothing was built; the running tree is unchanged.`,
    );
    if (!install.ok) return { ok: false, steps, built: false };
  }

  const build = await run('npm', ['run', 'build'], options.cwd, options.buildTimeoutMs ?? 600_000, env);
  const buildStep: UpdateStep = {
    step: 'build',
    ok: build.ok,
    detail: build.ok ? 'done' : build.error,
    durationMs: build.durationMs,
  };
  steps.push(buildStep);
  await options.report(
    build.ok
      ? `✅ npm run build (${seconds(build.durationMs)}): new build on disk. The watchdog will see the drift and the supervisor restarts each actor in turn (runners after their current mission).`
      : `❌ npm run build failed: ${build.error}\nThe running tree keeps the previous build.`,
  );
  return { ok: build.ok, steps, built: build.ok };
}

interface RunResult {
  ok: boolean;
  output: string;
  error: string;
  durationMs: number;
}

async function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: Record<string, string>,
): Promise<RunResult> {
  const started = Date.now();
  const result = await execa(command, args, {
    cwd,
    reject: false,
    all: true,
    timeout: timeoutMs,
    env,
    stdin: 'ignore',
  });
  const output = String(result.all ?? '').trim();
  const durationMs = Date.now() - started;
  if (!result.failed) return { ok: true, output, error: '', durationMs };
  const why = result.timedOut
    ? `timed out after ${seconds(timeoutMs)}`
    : result.exitCode !== undefined
      ? `exit code ${result.exitCode}`
      : (result as { code?: string }).code === 'ENOENT'
        ? `${command} not found`
        : (result.shortMessage ?? 'failed');
  const tail = lastLines(output, TAIL_LINES);
  return { ok: false, output, error: tail ? `${why}\n${tail}` : why, durationMs };
}

function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
