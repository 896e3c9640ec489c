// The Claude Code adapter with the REAL CLI (node_modules/.bin/claude) against a scripted local
// Messages API (tests/fakes/anthropic.ts).
import { existsSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveProcessesWhere } from '../harness/procScan.js';
import { createClaudeAdapter } from '../../src/adapters/agent/claude.js';
import type { AgentProgress, AgentRunRequest } from '../../src/adapters/agent/types.js';
import { MissingDependencyError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { claudeEnv, claudeSandbox, rateLimitedStep } from '../harness/claudeSandbox.js';
import { until } from '../harness/until.js';

const CLAUDE = resolve('node_modules/.bin/claude');
const PROMPT = 'Mission 7f3a: create hello.txt saying hello (marker QUOKKA-42)';

let fake: FakeAnthropic;
let root: string;
let cwd: string;
let home: string;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  ({ root, cwd, home } = claudeSandbox('roshi-agent-'));
});

afterEach(async () => {
  // Nothing may survive a test: no process still working in its directory.
  const survivors = processesIn(root);
  for (const pid of survivors) safeKill(pid);
  await fake.stop();
  rmSync(root, { recursive: true, force: true });
  expect(survivors, 'processes left behind').toEqual([]);
});

function request(over: Partial<AgentRunRequest> = {}, env: Record<string, string> = {}): AgentRunRequest {
  return {
    prompt: PROMPT,
    cwd,
    maxTurns: 5,
    allowedTools: ['Write', 'Bash', 'Read'],
    env: { ...claudeEnv(fake.url, home, 0), ...env },
    idleTimeoutMs: 15_000,
    timeoutMs: 25_000,
    killGraceMs: 1_000,
    logFile: join(root, 'logs', 'run.log'),
    ...over,
  };
}

const adapter = () => createClaudeAdapter({ command: CLAUDE, logger: silentLogger(), passEnv: [] });

/** Live (non-zombie) processes whose working directory is inside `dir`. */
const processesIn = (dir: string): number[] =>
  liveProcessesWhere((pid) => readlinkSync(`/proc/${pid}/cwd`).startsWith(dir));

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((s) => s !== '');
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

function safeKill(pid: number) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function lastUserText(body: unknown): string {
  return JSON.stringify((body as { messages?: unknown[] }).messages ?? []);
}

describe('claude adapter (real CLI, scripted API)', () => {
  it('runs a mission that writes a file, with progress, usage and cost; prompt on stdin only', async () => {
    const target = join(cwd, 'hello.txt');
    fake.enqueue(
      { toolUse: { name: 'Write', input: { file_path: target, content: 'hello from the agent\n' } } },
      { text: 'Created hello.txt.' },
    );
    const progress: AgentProgress[] = [];
    let argv: string[] = [];
    const result = await adapter().run(
      request({
        model: 'claude-test-model-1',
        effort: 'low',
        onProgress: (p) => {
          progress.push(p);
          if (p.kind === 'init') {
            // The agent is running now: look at its command line.
            for (const pid of processesIn(cwd)) {
              const args = cmdline(pid);
              if (args.includes('stream-json')) argv = args;
            }
          }
        },
      }),
    );

    expect(result.outcome).toBe('success');
    expect(result.error).toBeUndefined();
    expect(readFileSync(target, 'utf8')).toBe('hello from the agent\n');
    expect(result.summary).toBe('Created hello.txt.');
    expect(result.exitCode).toBe(0);
    expect(result.signal).toBeNull();
    expect(result.killedBy).toBeUndefined();
    expect(result.numTurns).toBe(2);
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    // Two answers of the fake's default usage each.
    expect(result.tokens).toEqual({ input: 240, output: 60, cacheRead: 20, cacheWrite: 10 });
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.durationMs).toBeGreaterThan(0);

    const kinds = progress.map((p) => p.kind);
    expect(kinds[0]).toBe('init');
    expect(progress.find((p) => p.kind === 'tool')?.text).toBe(`Write: ${target}`);
    expect(kinds).toContain('tool_result');
    expect(progress.filter((p) => p.kind === 'text').map((p) => p.text)).toEqual(['Created hello.txt.']);

    // stdin carried the prompt to the API; argv never had it.
    const posts = fake.messageRequests();
    expect(posts).toHaveLength(2);
    expect(lastUserText(posts[0]?.body)).toContain('QUOKKA-42');
    expect(lastUserText(posts[1]?.body)).toContain('tool_result');
    expect(argv).toContain('--print');
    expect(argv.join(' ')).not.toContain('QUOKKA');
    // Model and effort reached the API (--effort becomes output_config.effort).
    const body = posts[0]?.body as { model?: string; output_config?: { effort?: string } };
    expect(body.model).toBe('claude-test-model-1');
    expect(body.output_config?.effort).toBe('low');
    expect(posts[0]?.headers['x-api-key']).toBe('[redacted]');

    // Every stdout line is in the run log.
    const runLog = readFileSync(join(root, 'logs', 'run.log'), 'utf8');
    expect(runLog).toContain('"type":"result"');
    expect(runLog).toContain('"subtype":"init"');
    expect(runLog).toMatch(/\[roshi\] .* exit: code 0/);
  });

  it('a 429 with retry-after is transient, with the delay the CLI honoured', async () => {
    const rateLimited = rateLimitedStep(2);
    fake.enqueue(rateLimited, rateLimited);
    const progress: AgentProgress[] = [];
    // One retry, so that the CLI reports (and waits) the server's Retry-After.
    const result = await adapter().run(
      request({ onProgress: (p) => progress.push(p) }, { CLAUDE_CODE_MAX_RETRIES: '1' }),
    );
    expect(result.outcome).toBe('transient');
    expect(result.retryAfterMs).toBe(2000);
    expect(result.error).toContain('429');
    expect(result.error).toContain('rate limit');
    expect(result.exitCode).toBe(1);
    expect(progress.some((p) => p.kind === 'retry' && p.text.includes('429'))).toBe(true);
    expect(fake.messageRequests()).toHaveLength(2);
  });

  it('a 529 (overloaded) is transient', async () => {
    fake.enqueue({ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } });
    const result = await adapter().run(request());
    expect(result.outcome).toBe('transient');
    expect(result.error).toMatch(/529/);
    expect(result.retryAfterMs).toBeUndefined();
  });

  it('a 400 is permanent, with the API message in the error', async () => {
    fake.enqueue({
      error: { status: 400, type: 'invalid_request_error', message: 'messages.0.content: field required' },
    });
    const result = await adapter().run(request());
    expect(result.outcome).toBe('permanent');
    expect(result.error).toContain('API Error: 400 messages.0.content: field required');
    expect(result.summary).toContain('400');
    expect(result.exitCode).toBe(1);
    expect(result.retryAfterMs).toBeUndefined();
  });

  it('an agent silent in a long Bash command is killed at the idle timeout, grandchild included', async () => {
    const pidFile = join(root, 'sleep.pid');
    fake.enqueue({
      toolUse: { name: 'Bash', input: { command: `echo $$ > ${pidFile}; exec sleep 300`, description: 'wait' } },
    });
    // 6 s of silence: a loaded CI machine can take over 3 s to start the CLI before its first
    // line. No bound on the elapsed time (a shared machine stretches it): killedBy says which timer.
    const result = await adapter().run(request({ idleTimeoutMs: 6_000, killGraceMs: 1_000 }));

    expect(result.outcome, result.error).toBe('timeout');
    expect(result.killedBy).toBe('idle-timeout');
    expect(result.error).toContain('without output');
    const sleepPid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(sleepPid).toBeGreaterThan(0);
    expect(alive(sleepPid)).toBe(false);
  });

  it('a stopped agent is continued at the idle timeout, not killed: the run it was in finishes once', async () => {
    // Chaos run 4: an agent SIGSTOPped just before its last answer was killed and its mission paid twice.
    const cliPid = join(root, 'cli.pid');
    fake.enqueue(
      {
        // The CLI is this command's parent: the test stops it while it waits for the result.
        toolUse: { name: 'Bash', input: { command: `echo $PPID > ${cliPid}; sleep 2; echo ok`, description: 'wait' } },
      },
      { text: 'done after the stop' },
    );
    // Longer than a loaded machine takes to start the Bash command: the stop comes before the first silence.
    const running = adapter().run(request({ idleTimeoutMs: 8_000 }));
    const pid = await until(
      () => (existsSync(cliPid) ? Number(readFileSync(cliPid, 'utf8').trim()) || undefined : undefined),
      'the CLI pid from its Bash command',
      { timeoutMs: 20_000 },
    );
    expect(cmdline(pid).join(' ')).toMatch(/claude/);
    process.kill(pid, 'SIGSTOP');
    const result = await running;

    expect(result.outcome, result.error).toBe('success');
    expect(result.killedBy).toBeUndefined();
    expect(result.summary).toContain('done after the stop');
    expect(readFileSync(join(root, 'logs', 'run.log'), 'utf8')).toMatch(
      new RegExp(`the agent was stopped \\(pids ${pid}`),
    );
  });

  it('a run over the wall-clock limit is killed (timeout)', async () => {
    fake.enqueue({ hang: true });
    const result = await adapter().run(request({ timeoutMs: 2_000, idleTimeoutMs: 20_000, killGraceMs: 1_000 }));
    expect(result.outcome).toBe('timeout');
    expect(result.killedBy).toBe('timeout');
  });

  it('aborting the signal stops the agent at once (cancelled)', async () => {
    fake.enqueue({ hang: true });
    const controller = new AbortController();
    let abortedAt = 0;
    const run = adapter().run(
      request({
        signal: controller.signal,
        killGraceMs: 1_000,
        onProgress: (p) => {
          if (p.kind === 'init') {
            // Once the request is hanging at the fake.
            setTimeout(() => {
              abortedAt = Date.now();
              controller.abort();
            }, 500);
          }
        },
      }),
    );
    const result = await run;
    expect(result.outcome).toBe('cancelled');
    expect(result.killedBy).toBe('cancel');
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(1_000 + 1_500);
  });

  it('an already aborted signal never starts the agent', async () => {
    const result = await adapter().run(request({ signal: AbortSignal.abort() }));
    expect(result.outcome).toBe('cancelled');
    expect(fake.messageRequests()).toHaveLength(0);
  });

  it('a missing command is a MissingDependencyError naming agent.command', async () => {
    const missing = createClaudeAdapter({ command: 'claude-does-not-exist-xyz', logger: silentLogger(), passEnv: [] });
    await expect(missing.run(request())).rejects.toThrow(MissingDependencyError);
    await expect(missing.run(request())).rejects.toThrow(/agent\.command: "claude-does-not-exist-xyz"/);
    const badPath = createClaudeAdapter({ command: join(root, 'nope', 'claude'), logger: silentLogger(), passEnv: [] });
    await expect(badPath.run(request())).rejects.toThrow(MissingDependencyError);
    expect(existsSync(join(root, 'logs', 'run.log'))).toBe(false);
  });
});
