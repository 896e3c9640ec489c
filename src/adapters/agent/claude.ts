// The Claude Code CLI as an agent: one run = one `claude --print` process in its own process
// group, the prompt on stdin, stream-json on stdout parsed line by line. This file supervises
// the process (timers, kill, cancel); argv is claudeArgs.ts, events runTranscript.ts, the
// outcome runResult.ts. CLI facts it relies on: docs/claude-cli.md.
//
// The agent gets an allow-listed environment (src/secrets/agentEnv.ts), never roshi's own; its
// run log and the summary and error it returns are scrubbed of secrets (src/secrets/scrubber.ts).
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { MissingDependencyError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { agentEnvironment } from '../../secrets/agentEnv.js';
import { scrubText } from '../../secrets/scrubber.js';
import { clip, oneLine } from '../../text/oneLine.js';
import { AgentInput } from './agentInput.js';
import { buildClaudeArgs } from './claudeArgs.js';
import { findExecutable } from './executable.js';
import { followFile } from './followFile.js';
import { killTree, timerDelay } from './killTree.js';
import { ProcessTree } from './processTree.js';
import { openRunLogFile } from './runLogFile.js';
import { runResult } from './runResult.js';
import { RunSteering } from './runSteering.js';
import { RunTranscript, type RetryNotice } from './runTranscript.js';
import { parseStreamLine } from './streamJson.js';
import type { AgentAdapter, AgentProgress, AgentRunRequest, AgentRunResult } from './types.js';
import { continueStopped, MAX_CONTINUES } from './stoppedAgent.js';
import { worktreeFingerprint } from './worktreeFingerprint.js';

export interface ClaudeAdapterOptions {
  /** The CLI: a name looked up in PATH (of the agent's environment) or a path. Config: agent.command. */
  command: string;
  logger: Logger;
  /** agent.passEnv: variables of roshi's environment the operator gives the agent besides the base set. */
  passEnv: readonly string[];
}

/** How long progress lines may be. */
const PROGRESS_MAX = 300;

export function createClaudeAdapter(options: ClaudeAdapterOptions): AgentAdapter {
  const log = options.logger.child({ adapter: 'claude' });
  return {
    name: 'claude',
    run: async (request) => scrubResult(await runClaude(options.command, options.passEnv, log, request)),
  };
}

/** The text of a result is shown in chat, stored in the mission record and logged: mask secrets once here. */
function scrubResult(result: AgentRunResult): AgentRunResult {
  const summary = scrubText(result.summary);
  const error = result.error === undefined ? undefined : scrubText(result.error);
  return { ...result, summary, ...(error === undefined ? {} : { error }) };
}

function checkRequest(request: AgentRunRequest): void {
  if (!Number.isInteger(request.maxTurns) || request.maxTurns < 1)
    throw new RangeError(`maxTurns must be a positive integer, got ${request.maxTurns}`);
  for (const key of ['idleTimeoutMs', 'timeoutMs', 'killGraceMs'] as const) {
    const v = request[key];
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${key} must be a non-negative number, got ${v}`);
  }
  if (request.prompt.trim() === '') throw new RangeError('prompt is empty');
}

async function runClaude(
  command: string,
  passEnv: readonly string[],
  log: Logger,
  request: AgentRunRequest,
): Promise<AgentRunResult> {
  checkRequest(request);
  const env = agentEnvironment(process.env, { passEnv, extra: request.env });
  const executable = findExecutable(command, env.PATH);
  if (!executable) {
    throw new MissingDependencyError(
      `agent.command: ${JSON.stringify(command)} was not found${command.includes('/') ? '' : ' in PATH'} or is not executable; ` +
        'install Claude Code (npm install -g @anthropic-ai/claude-code) or set agent.command to its path',
    );
  }
  const args = buildClaudeArgs(request, log);

  if (request.signal?.aborted) {
    return {
      outcome: 'cancelled',
      summary: 'cancelled before the agent started',
      durationMs: 0,
      exitCode: null,
      signal: null,
      killedBy: 'cancel',
    };
  }

  if (!isDirectory(request.cwd)) {
    // The runner prepares the worktree; without it there is nothing to run, and spawning would
    // fail with an ENOENT that reads as if the command were missing.
    const error = `working directory ${request.cwd} does not exist or is not a directory`;
    log.error({ cwd: request.cwd }, error);
    return { outcome: 'permanent', summary: error, error, durationMs: 0, exitCode: null, signal: null };
  }

  const runLogFile = openRunLogFile(request.logFile, log);
  const writeLog = runLogFile.write;
  writeLog(`[roshi] ${new Date().toISOString()} start: ${executable} ${args.join(' ')} (cwd ${request.cwd})`);

  const progress = (kind: AgentProgress['kind'], text: string, retry?: RetryNotice, stall?: AgentProgress['stall']) => {
    if (!request.onProgress) return;
    try {
      const at = Date.now();
      request.onProgress({
        kind,
        text: clip(oneLine(text), PROGRESS_MAX),
        at,
        ...(retry ? { retry: { ...retry, nextAt: at + retry.delayMs } } : {}),
        ...(stall ? { stall } : {}),
      });
    } catch (error) {
      log.warn({ err: error }, 'onProgress threw; ignored');
    }
  };

  // With a stream file the CLI's stdout is that file itself, so what it prints survives us.
  const streamFd = request.streamFile === undefined ? undefined : openStreamFile(request.streamFile, log);
  const streamFile = streamFd === undefined ? undefined : request.streamFile;
  const startedAt = Date.now();
  const subprocess = execa(executable, args, {
    cwd: request.cwd,
    env,
    extendEnv: false,
    detached: true,
    // The prompt is the first stream-json message; stdin stays open to talk to the session.
    stdin: 'pipe',
    buffer: false,
    reject: false,
    // A descriptor is handed to the child as is (execa's types only list 3–9 for stdout).
    stdout: (streamFd ?? 'pipe') as 'pipe',
    stderr: 'pipe',
    forceKillAfterDelay: false,
  });
  if (streamFd !== undefined) closeSync(streamFd);
  const input = new AgentInput(subprocess.stdin);
  input.user(request.prompt);
  const pid = subprocess.pid;
  let rootExited = false;
  subprocess.once('exit', () => {
    rootExited = true;
  });
  const runLog = log.child({ agentPid: pid, cwd: request.cwd });
  runLog.info({ args, logFile: request.logFile }, 'agent started');

  // Timers and killing.
  let killedBy: AgentRunResult['killedBy'];
  let killing: Promise<void> | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = (extraMs = 0) => {
    if (killing) return;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(onSilence, timerDelay(request.idleTimeoutMs + extraMs));
  };
  // Silent for the idle timeout: a stopped agent is continued (stoppedAgent.ts), a hung one killed.
  let continues = 0;
  function onSilence(): void {
    const continued = pid !== undefined && continues < MAX_CONTINUES ? continueStopped(pid) : [];
    if (continued.length === 0) return kill('idle-timeout');
    continues++;
    runLog.warn({ continued }, 'the agent was stopped, not hung: continued it');
    writeLog(`[roshi] ${new Date().toISOString()} the agent was stopped (pids ${continued.join(', ')}); continued it`);
    armIdle();
  }
  const wallTimer = setTimeout(() => kill('timeout'), timerDelay(request.timeoutMs));
  const tree = pid === undefined ? undefined : new ProcessTree(pid);

  function kill(reason: NonNullable<AgentRunResult['killedBy']>): void {
    if (killing) return;
    // After the CLI itself has exited, only leftovers holding its output open can be left: they
    // are killed, but the outcome stays the CLI's own.
    if (!rootExited) killedBy = reason;
    if (idleTimer) clearTimeout(idleTimer);
    clearTimeout(wallTimer);
    const why =
      reason === 'idle-timeout'
        ? `no output for ${Math.round(request.idleTimeoutMs / 1000)}s`
        : reason === 'timeout'
          ? `running for more than ${Math.round(request.timeoutMs / 1000)}s`
          : reason === 'stall' || reason === 'budget'
            ? `not ended ${Math.round((request.steering?.stall.stopGraceMs ?? 0) / 1000)}s after the stop (${reason})`
            : 'cancelled';
    runLog.warn({ reason }, `killing the agent: ${why}`);
    writeLog(`[roshi] ${new Date().toISOString()} killing the agent (${reason}): ${why}`);
    killing = tree ? killTree(tree, request.killGraceMs, () => rootExited, writeLog) : Promise.resolve();
  }

  const onAbort = () => kill('cancel');
  request.signal?.addEventListener('abort', onAbort, { once: true });

  const run = new RunTranscript(progress, (delayMs) => armIdle(delayMs), runLog, PROGRESS_MAX);
  const steering =
    request.steering &&
    new RunSteering(request.steering, request.maxTurns, {
      input,
      fingerprint: () => worktreeFingerprint(request.cwd),
      report: (kind, text, finding) =>
        progress(
          kind,
          text,
          undefined,
          finding && { rule: finding.rule, ...(finding.repeated ? { repeated: finding.repeated } : {}) },
        ),
      kill,
      log: runLog,
    });

  const onStdoutLine = (line: string) => {
    armIdle();
    writeLog(line);
    run.stdoutTail.push(line);
    const event = parseStreamLine(line);
    if (!event) return;
    run.handle(event, line);
    if (steering) steering.observe(event);
    // The session is over: closing stdin lets the CLI exit (it waits for more input otherwise).
    else if (event.kind === 'result') input.close();
  };
  const stdoutDone = new Promise<void>((done) => {
    if (streamFile !== undefined) {
      followFile(streamFile, () => rootExited, onStdoutLine).then(done, (error: unknown) => {
        runLog.warn({ err: error, streamFile }, 'cannot follow the agent stream file');
        done();
      });
      return;
    }
    if (!subprocess.stdout) return done();
    const rl = createInterface({ input: subprocess.stdout, crlfDelay: Infinity });
    rl.on('line', onStdoutLine);
    rl.once('close', () => done());
  });
  const stderrDone = new Promise<void>((done) => {
    if (!subprocess.stderr) return done();
    const rl = createInterface({ input: subprocess.stderr, crlfDelay: Infinity });
    rl.on('line', (line) => {
      armIdle();
      writeLog(`[stderr] ${line}`);
      run.stderrTail.push(line);
    });
    rl.once('close', () => done());
  });
  armIdle();

  const finished = await subprocess;
  rootExited = true;
  steering?.dispose();
  input.close();
  await Promise.all([stdoutDone, stderrDone]);
  if (idleTimer) clearTimeout(idleTimer);
  clearTimeout(wallTimer);
  request.signal?.removeEventListener('abort', onAbort);
  if (killing) await killing;
  const durationMs = Date.now() - startedAt;

  if (finished.failed && finished.exitCode === undefined && finished.signal === undefined) {
    // It never ran.
    writeLog(`[roshi] spawn failed: ${finished.shortMessage}`);
    await runLogFile.close();
    if (finished.code === 'ENOENT' || finished.code === 'EACCES') {
      // Found a moment ago, gone now (or not executable after all).
      throw new MissingDependencyError(
        `agent.command: ${JSON.stringify(command)} could not be started: ${finished.shortMessage}`,
      );
    }
    const error = `could not start the agent: ${finished.shortMessage}`;
    runLog.error({ code: finished.code }, error);
    return { outcome: 'permanent', summary: error, error, durationMs, exitCode: null, signal: null };
  }

  const exitCode = finished.exitCode ?? null;
  const signal = finished.signal ?? null;
  writeLog(
    `[roshi] ${new Date().toISOString()} exit: code ${exitCode ?? '-'} signal ${signal ?? '-'} after ${durationMs}ms${killedBy ? ` (killed: ${killedBy})` : ''}`,
  );
  await runLogFile.close();

  return runResult(run, { durationMs, exitCode, signal }, killedBy, request, runLog, steering);
}

/** Opened (and emptied) for the CLI's stdout; private, for it holds raw output. */
function openStreamFile(path: string, log: Logger): number | undefined {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return openSync(path, 'w', 0o600);
  } catch (error) {
    log.warn({ err: error, streamFile: path }, 'cannot create the stream file; reading the agent through a pipe');
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
