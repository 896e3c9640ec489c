// The Claude adapter's process handling against scripted stand-ins for the CLI (shell scripts
// that read the prompt's stream-json line and speak a little stream-json): a stubborn agent that
// ignores SIGTERM and hides a grandchild in its own session, output that keeps an agent alive,
// the idle allowance for API retries.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLiveProcess, liveProcessesWhere } from '../harness/procScan.js';
import { createClaudeAdapter } from '../../src/adapters/agent/claude.js';
import type { AgentProgress, AgentRunRequest } from '../../src/adapters/agent/types.js';
import { silentLogger } from '../../src/log.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'roshi-agentkill-'));
});

afterEach(() => {
  const survivors = processesIn(root);
  for (const pid of survivors) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(root, { recursive: true, force: true });
  expect(survivors, 'processes left behind').toEqual([]);
});

/** Live processes that name `dir` in their command line or environment. */
const processesIn = (dir: string): number[] =>
  liveProcessesWhere(
    (pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir) ||
      readFileSync(`/proc/${pid}/environ`, 'utf8').includes(dir),
  );
const alive = isLiveProcess;

function script(name: string, body: string): string {
  const file = join(root, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function request(over: Partial<AgentRunRequest> = {}): AgentRunRequest {
  return {
    prompt: 'do it',
    cwd: root,
    maxTurns: 3,
    allowedTools: ['Bash'],
    env: { PIDFILE: join(root, 'grandchild.pid'), ROOT_DIR: root },
    idleTimeoutMs: 1_500,
    timeoutMs: 20_000,
    killGraceMs: 1_000,
    logFile: join(root, 'logs', 'nested', 'run.log'),
    ...over,
  };
}

const INIT = `{"type":"system","subtype":"init","session_id":"s-1","model":"m","tools":[],"claude_code_version":"test"}`;

describe('claude adapter process handling (scripted agents)', () => {
  it('SIGKILLs a stubborn agent and the grandchild it hid in its own session', async () => {
    const command = script(
      'stubborn.sh',
      `trap '' TERM
read -r _prompt
setsid sh -c 'echo $$ > "$PIDFILE"; exec sleep 300' </dev/null >/dev/null 2>&1 &
echo '${INIT}'
echo 'not json at all'
echo 'warning on stderr' >&2
while :; do sleep 1; done`,
    );
    const progress: AgentProgress[] = [];
    const started = Date.now();
    const result = await createClaudeAdapter({ command, logger: silentLogger(), passEnv: [] }).run(
      request({ onProgress: (p) => progress.push(p) }),
    );
    const elapsed = Date.now() - started;

    expect(result.outcome).toBe('timeout');
    expect(result.killedBy).toBe('idle-timeout');
    expect(result.signal).toBe('SIGKILL');
    expect(result.sessionId).toBe('s-1');
    expect(result.error).toContain('stderr:\nwarning on stderr');
    expect(elapsed).toBeGreaterThanOrEqual(1_500 + 1_000 - 100);
    expect(elapsed).toBeLessThan(1_500 + 1_000 + 3_000);
    const grandchild = Number(readFileSync(join(root, 'grandchild.pid'), 'utf8').trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(false);
    expect(progress.map((p) => p.kind)).toEqual(['init']);

    const log = readFileSync(join(root, 'logs', 'nested', 'run.log'), 'utf8');
    expect(log).toContain('not json at all');
    expect(log).toContain('[stderr] warning on stderr');
    expect(log).toContain('SIGKILL');
  });

  it('output keeps an agent alive past the idle timeout; the wall clock still ends it', async () => {
    const command = script(
      'chatty.sh',
      `read -r _prompt
echo '${INIT}'
while :; do echo '{"type":"system","subtype":"status"}'; sleep 0.2; done`,
    );
    const started = Date.now();
    const result = await createClaudeAdapter({ command, logger: silentLogger(), passEnv: [] }).run(
      request({ idleTimeoutMs: 1_000, timeoutMs: 3_000 }),
    );
    expect(result.outcome).toBe('timeout');
    expect(result.killedBy).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000 - 100);
    // It dies on SIGTERM (a shell's default), well within the grace period.
    expect(Date.now() - started).toBeLessThan(3_000 + 1_000 + 1_000);
  });

  it("waiting out an API retry's delay is not idleness", async () => {
    const command = script(
      'retrying.sh',
      `read -r _prompt
echo '${INIT}'
echo '{"type":"system","subtype":"api_retry","attempt":1,"max_retries":3,"retry_delay_ms":2000,"error_status":429,"error":"rate_limit"}'
sleep 2.5
echo '{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"result":"finally","num_turns":1,"total_cost_usd":0.5,"usage":{"input_tokens":3,"output_tokens":4},"session_id":"s-1"}'`,
    );
    const progress: AgentProgress[] = [];
    const result = await createClaudeAdapter({ command, logger: silentLogger(), passEnv: [] }).run(
      request({ idleTimeoutMs: 1_500, onProgress: (p) => progress.push(p) }),
    );
    expect(result.outcome).toBe('success');
    expect(result.summary).toBe('finally');
    expect(result.costUsd).toBe(0.5);
    expect(result.tokens).toEqual({ input: 3, output: 4, cacheRead: 0, cacheWrite: 0 });
    expect(progress.find((p) => p.kind === 'retry')?.text).toContain('429');
  });

  it('an agent that exits 0 without a result is a permanent failure with the output tail', async () => {
    const command = script('quiet.sh', `read -r _prompt\necho '${INIT}'\necho 'something odd happened'\nexit 0`);
    const result = await createClaudeAdapter({ command, logger: silentLogger(), passEnv: [] }).run(request());
    expect(result.outcome).toBe('permanent');
    expect(result.exitCode).toBe(0);
    expect(result.error).toContain('without a result');
    // stderr empty: the stdout tail instead.
    expect(result.error).toContain('stdout:\n');
    expect(result.error).toContain('something odd happened');
  });

  it('a throwing onProgress callback does not break the run', async () => {
    const command = script(
      'ok.sh',
      `read -r _prompt\necho '${INIT}'\necho '{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"result":"ok","num_turns":1}'`,
    );
    const result = await createClaudeAdapter({ command, logger: silentLogger(), passEnv: [] }).run(
      request({
        onProgress: () => {
          throw new Error('boom');
        },
      }),
    );
    expect(result.outcome).toBe('success');
    expect(result.summary).toBe('ok');
  });

  it('a missing working directory is a permanent failure, not a missing command', async () => {
    const command = script('never.sh', 'exit 0');
    const result = await createClaudeAdapter({ command, logger: silentLogger(), passEnv: [] }).run(
      request({ cwd: join(root, 'no-such-dir') }),
    );
    expect(result.outcome).toBe('permanent');
    expect(result.error).toContain('no-such-dir');
    expect(result.error).toContain('does not exist');
  });

  it('a run log that cannot be created does not fail the run', async () => {
    writeFileSync(join(root, 'a-file'), '');
    const command = script(
      'fine.sh',
      `read -r _prompt\necho '{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"result":"fine","num_turns":1}'`,
    );
    const result = await createClaudeAdapter({ command, logger: silentLogger(), passEnv: [] }).run(
      request({ logFile: join(root, 'a-file', 'logs', 'run.log') }),
    );
    expect(result.outcome).toBe('success');
    expect(result.summary).toBe('fine');
  });
});
