// The Claude Code CLI as an agent (DESIGN.md §6). One run = one `claude --print` process in
// its own process group, the prompt on stdin, stream-json on stdout parsed line by line.
//
// Facts this relies on (CLI 2.1.197, checked against a scripted API; see
// /work/shared/reference/claude-cli.md and the comments in classify.ts and processTree.ts):
// - `--output-format stream-json` needs `--verbose`; `--allowedTools` is variadic, so it goes
//   last and the prompt goes on stdin (which also keeps it out of `ps`).
// - Effort is the `--effort <level>` flag (low, medium, high, xhigh, max); the CLI sends it as
//   `output_config.effort` in the request. An unknown value only gets a warning on stderr.
// - SIGTERM does not always stop the CLI: during a hanging API request it exits at once (code
//   143), but during a Bash tool call it kills the tool and carries on with the conversation.
//   Hence the grace period and SIGKILL, and one stable outcome whatever the exit.
// - While it waits to retry after a 429/529/5xx it prints one api_retry event and is then silent
//   for retry_delay_ms (the server's Retry-After, up to at least 60 s): that wait is added to
//   the idle allowance so a rate-limited run is not killed as hung.
//
// The agent gets an allow-listed environment (src/secrets/agentEnv.ts), never roshi's own; its
// run log and the summary and error it returns are scrubbed of secrets (src/secrets/scrubber.ts).
import { accessSync, constants, createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { MissingDependencyError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { agentEnvironment } from '../../secrets/agentEnv.js';
import { scrubText } from '../../secrets/scrubber.js';
import { sleep } from '../../time/sleep.js';
import { classifyRun, errorText, lastBytes, tailText, TAIL_BYTES } from './classify.js';
import { ProcessTree } from './processTree.js';
import { isValidEffort, isValidModel } from './resolve.js';
import { clip, oneLine } from '../../text/oneLine.js';
import {
  parseStreamLine,
  summarizeToolInput,
  type ApiRetryEvent,
  type ResultEvent,
  type StreamEvent,
} from './streamJson.js';
import type { AgentAdapter, AgentProgress, AgentRunRequest, AgentRunResult } from './types.js';

export interface ClaudeAdapterOptions {
  /** The CLI: a name looked up in PATH (of the agent's environment) or a path. Config: agent.command. */
  command: string;
  logger: Logger;
  /** agent.passEnv: variables of roshi's environment the operator gives the agent besides the base set. */
  passEnv: readonly string[];
}

/** How long summaries and progress lines may be. */
const SUMMARY_MAX = 4000;
const PROGRESS_MAX = 300;
/** Tail kept of each stream for error messages. */
const TAIL_KEEP = TAIL_BYTES * 2;
/** After SIGKILL, how long to wait for the process to be reaped before giving up on it. */
const REAP_WAIT_MS = 2000;
const POLL_MS = 50;

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

/** The argv for a request (without the executable). Exported for tests. */
export function buildClaudeArgs(
  request: Pick<
    AgentRunRequest,
    'model' | 'fallbackModel' | 'effort' | 'maxTurns' | 'allowedTools' | 'tools' | 'disallowedTools' | 'addDirs'
  >,
  log?: Logger,
): string[] {
  const args = ['--print', '--output-format', 'stream-json', '--verbose', '--max-turns', String(request.maxTurns)];
  const model = request.model?.trim();
  if (model) {
    if (isValidModel(model)) args.push('--model', model);
    else log?.warn({ model }, 'invalid model dropped; the CLI default is used');
  }
  const fallback = request.fallbackModel?.trim();
  if (fallback) {
    if (isValidModel(fallback)) args.push('--fallback-model', fallback);
    else log?.warn({ fallbackModel: fallback }, 'invalid fallback model dropped');
  }
  const effort = request.effort?.trim();
  if (effort) {
    if (isValidEffort(effort)) args.push('--effort', effort);
    else log?.warn({ effort }, 'invalid effort dropped; the CLI default is used');
  }
  // One comma-separated argument; "" leaves no tool at all.
  if (request.tools !== undefined) args.push('--tools', toolNames(request.tools, log).join(','));
  // Variadic flags: each ends at the next flag, and the prompt goes on stdin, never after them.
  const dirs = (request.addDirs ?? []).filter((dir) => dir.trim() !== '');
  const badDirs = dirs.filter((dir) => !isAbsolute(dir));
  if (badDirs.length > 0) log?.warn({ dirs: badDirs }, 'relative --add-dir directories dropped');
  const addDirs = dirs.filter((dir) => isAbsolute(dir));
  if (addDirs.length > 0) args.push('--add-dir', ...addDirs);
  const disallowed = toolNames(request.disallowedTools ?? [], log);
  if (disallowed.length > 0) args.push('--disallowedTools', ...disallowed);
  const allowed = toolNames(request.allowedTools, log);
  // Last, so that nothing after it is taken for a tool name.
  if (allowed.length > 0) args.push('--allowedTools', ...allowed);
  return args;
}

/** Trimmed, non-empty tool names; one starting with "-" would be read as a flag and is dropped. */
function toolNames(tools: readonly string[], log?: Logger): string[] {
  const names = tools.map((t) => t.trim()).filter((t) => t !== '');
  const refused = names.filter((t) => t.startsWith('-'));
  if (refused.length > 0) log?.warn({ tools: refused }, 'tool names starting with "-" dropped');
  return names.filter((t) => !t.startsWith('-'));
}

/** The executable for `command`, searched in `pathVar` when it has no slash; undefined when missing. */
export function findExecutable(command: string, pathVar: string | undefined, cwd = process.cwd()): string | undefined {
  const isRunnable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) {
    const file = isAbsolute(command) ? command : resolve(cwd, command);
    return isRunnable(file) ? file : undefined;
  }
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, command);
    if (isRunnable(file)) return file;
  }
  return undefined;
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

class TailBuffer {
  private text = '';
  push(line: string): void {
    this.text += `${line}\n`;
    if (this.text.length > TAIL_KEEP * 2) this.text = lastBytes(this.text, TAIL_KEEP);
  }
  toString(): string {
    return this.text;
  }
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

  // A run log that cannot be written is a warning, not a reason to fail the mission.
  let logBroken = false;
  let logStream: WriteStream | undefined;
  try {
    mkdirSync(dirname(request.logFile), { recursive: true });
    logStream = createWriteStream(request.logFile, { flags: 'a' });
    logStream.on('error', (error) => {
      if (!logBroken) log.warn({ err: error, logFile: request.logFile }, 'cannot write the run log');
      logBroken = true;
    });
  } catch (error) {
    log.warn({ err: error, logFile: request.logFile }, 'cannot create the run log');
    logBroken = true;
  }
  // The run log is read by people and kept for days: the agent's output is scrubbed on the way in.
  const writeLog = (line: string) => {
    if (!logBroken) logStream?.write(`${scrubText(line)}\n`);
  };
  writeLog(`[roshi] ${new Date().toISOString()} start: ${executable} ${args.join(' ')} (cwd ${request.cwd})`);

  const progress = (kind: AgentProgress['kind'], text: string) => {
    if (!request.onProgress) return;
    try {
      request.onProgress({ kind, text: clip(oneLine(text), PROGRESS_MAX), at: Date.now() });
    } catch (error) {
      log.warn({ err: error }, 'onProgress threw; ignored');
    }
  };

  const startedAt = Date.now();
  const subprocess = execa(executable, args, {
    cwd: request.cwd,
    env,
    extendEnv: false,
    detached: true,
    input: request.prompt,
    buffer: false,
    reject: false,
    stdout: 'pipe',
    stderr: 'pipe',
    forceKillAfterDelay: false,
  });
  const pid = subprocess.pid;
  let rootExited = false;
  subprocess.once('exit', () => {
    rootExited = true;
  });
  const runLog = log.child({ agentPid: pid, cwd: request.cwd });
  runLog.info({ args, logFile: request.logFile }, 'agent started');

  let sessionId: string | undefined;
  let result: ResultEvent | undefined;
  let lastRetry: ApiRetryEvent | undefined;
  let lastText: string | undefined;
  const stdoutTail = new TailBuffer();
  const stderrTail = new TailBuffer();

  // Timers and killing.
  let killedBy: AgentRunResult['killedBy'];
  let killing: Promise<void> | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = (extraMs = 0) => {
    if (killing) return;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => kill('idle-timeout'), timerDelay(request.idleTimeoutMs + extraMs));
  };
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
          : 'cancelled';
    runLog.warn({ reason }, `killing the agent: ${why}`);
    writeLog(`[roshi] ${new Date().toISOString()} killing the agent (${reason}): ${why}`);
    killing = tree ? killTree(tree, request.killGraceMs, () => rootExited, writeLog) : Promise.resolve();
  }

  const onAbort = () => kill('cancel');
  request.signal?.addEventListener('abort', onAbort, { once: true });

  const handleEvent = (event: StreamEvent, line: string) => {
    switch (event.kind) {
      case 'init':
        sessionId = event.sessionId ?? sessionId;
        progress('init', `session started: model ${event.model ?? '?'}, claude ${event.version ?? '?'}`);
        break;
      case 'assistant':
        sessionId = event.sessionId ?? sessionId;
        for (const text of event.texts) {
          if (text.trim() === '') continue;
          lastText = text;
          progress('text', text);
        }
        for (const use of event.toolUses) progress('tool', summarizeToolInput(use.name, use.input, PROGRESS_MAX));
        break;
      case 'tool_results':
        for (const r of event.results)
          progress('tool_result', `${r.isError ? 'error: ' : ''}${r.text.split('\n')[0] ?? ''}`);
        break;
      case 'api_retry': {
        lastRetry = event;
        const delay = event.retryDelayMs ?? 0;
        progress(
          'retry',
          `API ${event.errorStatus ?? 'error'} ${event.error ?? ''}: retry ${event.attempt ?? '?'}/${event.maxRetries ?? '?'} in ${(delay / 1000).toFixed(1)}s`,
        );
        // The CLI stays silent while it waits: that wait is not idleness.
        armIdle(delay);
        break;
      }
      case 'result':
        result = event;
        sessionId = event.sessionId ?? sessionId;
        break;
      case 'other':
        break;
      case 'invalid':
        runLog.debug({ reason: event.reason, line: clip(line, 500) }, 'unparsed stdout line (kept in the run log)');
        break;
    }
  };

  const stdoutDone = new Promise<void>((done) => {
    if (!subprocess.stdout) return done();
    const rl = createInterface({ input: subprocess.stdout, crlfDelay: Infinity });
    rl.on('line', (line) => {
      armIdle();
      writeLog(line);
      stdoutTail.push(line);
      const event = parseStreamLine(line);
      if (event) handleEvent(event, line);
    });
    rl.once('close', () => done());
  });
  const stderrDone = new Promise<void>((done) => {
    if (!subprocess.stderr) return done();
    const rl = createInterface({ input: subprocess.stderr, crlfDelay: Infinity });
    rl.on('line', (line) => {
      armIdle();
      writeLog(`[stderr] ${line}`);
      stderrTail.push(line);
    });
    rl.once('close', () => done());
  });
  armIdle();

  const finished = await subprocess;
  rootExited = true;
  await Promise.all([stdoutDone, stderrDone]);
  if (idleTimer) clearTimeout(idleTimer);
  clearTimeout(wallTimer);
  request.signal?.removeEventListener('abort', onAbort);
  if (killing) await killing;
  const durationMs = Date.now() - startedAt;

  if (finished.failed && finished.exitCode === undefined && finished.signal === undefined) {
    // It never ran.
    writeLog(`[roshi] spawn failed: ${finished.shortMessage}`);
    await closeLog(logStream);
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
  await closeLog(logStream);

  const base = {
    durationMs,
    exitCode,
    signal,
    sessionId,
    costUsd: result?.totalCostUsd,
    tokens: result?.usage,
    numTurns: result?.numTurns,
  };

  if (killedBy) {
    const outcome = killedBy === 'cancel' ? 'cancelled' : 'timeout';
    const headline =
      killedBy === 'cancel'
        ? 'cancelled: the agent was stopped'
        : killedBy === 'idle-timeout'
          ? `killed after ${Math.round(request.idleTimeoutMs / 1000)}s without output (idle timeout)`
          : `killed after running for ${Math.round(request.timeoutMs / 1000)}s (timeout)`;
    const stderr = tailText(stderrTail.toString());
    const tail = stderr || tailText(stdoutTail.toString());
    const error = tail ? `${headline}\n${stderr ? 'stderr' : 'stdout'}:\n${tail}` : headline;
    runLog.info({ outcome, killedBy, exitCode, signal, durationMs }, 'agent killed');
    return { ...base, outcome, summary: clip(lastText ?? headline, SUMMARY_MAX), error, killedBy };
  }

  const classification = classifyRun({
    exitCode,
    signal,
    result,
    lastRetry,
    stderrTail: stderrTail.toString(),
    stdoutTail: stdoutTail.toString(),
  });
  runLog.info(
    { outcome: classification.outcome, exitCode, signal, durationMs, apiErrorStatus: result?.apiErrorStatus },
    'agent finished',
  );
  if (classification.outcome === 'success') {
    return { ...base, outcome: 'success', summary: clip(result?.result ?? lastText ?? '', SUMMARY_MAX) };
  }
  const error =
    classification.error ??
    errorText({ exitCode, signal, result, stderrTail: stderrTail.toString(), stdoutTail: stdoutTail.toString() });
  const summary = clip(result?.result ?? result?.errors.join('; ') ?? error.split('\n')[0] ?? error, SUMMARY_MAX);
  return {
    ...base,
    outcome: classification.outcome,
    summary,
    error,
    ...(classification.retryAfterMs !== undefined ? { retryAfterMs: classification.retryAfterMs } : {}),
  };
}

/**
 * SIGTERM to the tree, poll for its end during the grace period, SIGKILL whatever is left, then
 * wait (bounded) for it to be reaped.
 */
async function killTree(
  tree: ProcessTree,
  graceMs: number,
  rootExited: () => boolean,
  writeLog: (line: string) => void,
): Promise<void> {
  tree.refresh();
  tree.signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(POLL_MS);
    if (!rootExited()) tree.refresh();
    if (!tree.alive(rootExited())) {
      writeLog('[roshi] the agent and its processes ended after SIGTERM');
      return;
    }
  }
  if (!rootExited()) tree.refresh();
  writeLog(`[roshi] still alive after ${graceMs}ms: SIGKILL`);
  tree.signal('SIGKILL');
  const reapDeadline = Date.now() + REAP_WAIT_MS;
  while (Date.now() < reapDeadline && tree.alive(rootExited())) await sleep(POLL_MS);
}

/** setTimeout fires at once for delays past 2^31-1 ms (~24.8 days): clamp. */
function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), 2_147_483_647);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function closeLog(stream: WriteStream | undefined): Promise<void> {
  return new Promise((done) => {
    if (!stream || stream.destroyed || stream.writableEnded) return done();
    stream.end(() => done());
    stream.once('error', () => done());
  });
}
