// Quality and lint gates: the project's own commands, run in the worktree after the agent.
// They fail closed — a gate that cannot run (unknown mode, no commands, exit 126/127) is
// 'broken', never 'passed' — and they never see roshi's credentials (gateEnv: an allow-list).
// Each command runs through `sh -c` in its own process group, killed whole on timeout.
import { execa } from 'execa';
import type { Logger } from '../log.js';
import { gateEnvironment } from '../secrets/agentEnv.js';
import type { StepReport } from '../contracts/index.js';

/** After SIGTERM to a gate's process group, how long before SIGKILL. */
const KILL_GRACE_MS = 5_000;

export const GATE_MODES = ['off', 'warn', 'strict'] as const;
export type GateMode = (typeof GATE_MODES)[number];
export type GateOutcome = 'passed' | 'failed' | 'off' | 'broken';

/** projects.<name>.qualityGate / .lint. `mode` is a string on purpose: a typo must reach us to fail closed. */
export interface GateSettings {
  mode: string;
  commands: readonly string[];
  /** What a red strict gate does to the push: block (default) or draft (gateVerdict.ts). */
  onFail?: string;
}

export function combineGates(a: GateOutcome, b: GateOutcome): GateOutcome {
  const all = [a, b];
  if (all.includes('broken')) return 'broken';
  if (all.includes('failed')) return 'failed';
  if (all.every((g) => g === 'off')) return 'off';
  return 'passed';
}

// ─── gates ───────────────────────────────────────────────────────────────────────────────────

/**
 * A gate's environment: the agent's allow-list (src/secrets/agentEnv.ts) without its API
 * credentials, so repository code never reads roshi's GitHub, chat or NATS credentials.
 * `settings` are agent.passEnv and agent.env, which the gates share with the agent.
 */
export function gateEnv(
  settings: { passEnv: readonly string[]; env: Readonly<Record<string, string>> },
  source: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  return gateEnvironment(source, { passEnv: settings.passEnv, extra: settings.env });
}

export interface GateRun {
  report: StepReport;
  outcome: GateOutcome;
  failsMission: boolean;
}

interface CommandRun {
  command: string;
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  spawnError?: string;
  output: string;
  ms: number;
}

export async function runGate(
  step: string,
  settings: GateSettings,
  worktree: string,
  env: Record<string, string>,
  timeoutMs: number,
  log?: Logger,
): Promise<GateRun> {
  const mode = settings.mode;
  if (mode === 'off')
    return {
      report: { step, ok: true, skipped: true, detail: 'skipped: mode off' },
      outcome: 'off',
      failsMission: false,
    };
  if (!(GATE_MODES as readonly string[]).includes(mode)) {
    return {
      report: {
        step,
        ok: false,
        detail: `broken: unknown mode ${JSON.stringify(mode)} (expected off, warn or strict); failing closed`,
      },
      outcome: 'broken',
      failsMission: true,
    };
  }
  const strict = mode === 'strict';
  const consequence = strict ? 'the mission fails' : 'warn mode: the mission stays successful';
  const commands = settings.commands.filter((c) => c.trim() !== '');
  if (commands.length === 0) {
    return {
      report: {
        step,
        ok: false,
        detail: `broken: mode ${mode} but no commands configured; failing closed (${consequence})`,
      },
      outcome: 'broken',
      failsMission: strict,
    };
  }
  let totalMs = 0;
  for (const command of commands) {
    const run = await runCommand(command, worktree, env, timeoutMs);
    totalMs += run.ms;
    log?.debug({ step, command, exitCode: run.exitCode, ms: run.ms }, 'gate command finished');
    if (run.exitCode === 0 && !run.timedOut) continue;
    const out = run.output ? `\n${run.output}` : '';
    const broken = run.spawnError !== undefined || run.exitCode === 127 || run.exitCode === 126;
    if (broken) {
      const why = run.spawnError ?? (run.exitCode === 127 ? 'exit 127: command not found' : 'exit 126: not executable');
      return {
        report: {
          step,
          ok: false,
          detail: `broken (${why}): \`${command}\` could not run; failing closed (${consequence})${out}`,
        },
        outcome: 'broken',
        failsMission: strict,
      };
    }
    const why = run.timedOut
      ? `timed out after ${seconds(timeoutMs)}`
      : run.signal
        ? `killed by ${run.signal}`
        : `exit ${run.exitCode}`;
    return {
      report: { step, ok: false, detail: `failed (${mode}: ${consequence}): \`${command}\` ${why}${out}` },
      outcome: 'failed',
      failsMission: strict,
    };
  }
  const names = commands.map((c) => `\`${c}\``).join(', ');
  return {
    report: { step, ok: true, detail: `passed (${mode}): ${names} in ${seconds(totalMs)}` },
    outcome: 'passed',
    failsMission: false,
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** The last lines of output, bounded, for a report. */
function outputTail(text: string, lines = 12, chars = 1_500): string {
  const last = text.trimEnd().split('\n').slice(-lines).join('\n');
  return last.length > chars ? `…${last.slice(-chars)}` : last;
}

/**
 * `sh -c <command>` in its own process group, so a timeout (SIGTERM, grace, SIGKILL) reaches
 * grandchildren (npm → node → workers), and whatever it left running in the background is
 * killed when it exits.
 */
async function runCommand(
  command: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<CommandRun> {
  const started = Date.now();
  let output = '';
  const keep = (chunk: Buffer | string) => {
    output += chunk.toString();
    if (output.length > 64_000) output = output.slice(-32_000);
  };
  const sub = execa('sh', ['-c', command], {
    cwd,
    env,
    extendEnv: false,
    detached: true,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    all: true,
  });
  sub.all?.on('data', keep);
  const group = (signal: NodeJS.Signals) => {
    if (sub.pid === undefined) return;
    try {
      process.kill(-sub.pid, signal);
    } catch {
      // the group is gone
    }
  };
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    group('SIGTERM');
    killTimer = setTimeout(() => group('SIGKILL'), KILL_GRACE_MS);
  }, timeoutMs);
  // Wait for sh itself; background processes holding the pipe must not keep us waiting.
  const exited = new Promise<void>((resolve) => sub.once('exit', () => resolve()));
  await Promise.race([exited, sub]);
  clearTimeout(timer);
  group('SIGKILL');
  const result = await sub;
  if (killTimer) clearTimeout(killTimer);
  const spawnError =
    result.exitCode === undefined && result.signal === undefined && !timedOut
      ? result.originalMessage || result.shortMessage
      : undefined;
  return {
    command,
    ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
    ...(result.signal ? { signal: result.signal } : {}),
    timedOut,
    ...(spawnError ? { spawnError } : {}),
    output: outputTail(output),
    ms: Date.now() - started,
  };
}
