// A rate-limited run with the REAL CLI against the scripted API answering 429 with Retry-After:
// every retry the CLI announces reaches the progress callback as a retry state (attempt, limit,
// when the next try goes out), and the failed run's error is one sentence, not stream-json.
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClaudeAdapter } from '../../src/adapters/agent/claude.js';
import type { AgentProgress, AgentRunResult } from '../../src/adapters/agent/types.js';
import { silentLogger } from '../../src/log.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { claudeEnv, claudeSandbox, rateLimitedStep } from '../harness/claudeSandbox.js';

const CLAUDE = resolve('node_modules/.bin/claude');

let fake: FakeAnthropic;
let root: string;
let result: AgentRunResult;
const progress: AgentProgress[] = [];

beforeAll(async () => {
  fake = await startFakeAnthropic();
  const sandbox = claudeSandbox('roshi-ratelimit-');
  root = sandbox.root;
  const rateLimited = rateLimitedStep(1);
  // The first call and both retries are refused: the CLI gives up after retry 2/2.
  fake.enqueue(rateLimited, rateLimited, rateLimited);
  result = await createClaudeAdapter({ command: CLAUDE, logger: silentLogger(), passEnv: [] }).run({
    prompt: 'say hello',
    cwd: sandbox.cwd,
    maxTurns: 3,
    allowedTools: [],
    env: claudeEnv(fake.url, sandbox.home, 2),
    idleTimeoutMs: 20_000,
    timeoutMs: 60_000,
    killGraceMs: 1_000,
    logFile: join(root, 'logs', 'run.log'),
    onProgress: (p) => progress.push(p),
  });
}, 90_000);

afterAll(async () => {
  await fake?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a rate-limited run (real CLI, 429 with retry-after)', () => {
  it('reports each retry the CLI makes as a retry state', () => {
    const retries = progress.filter((p) => p.kind === 'retry');
    expect(retries.map((p) => p.retry && { attempt: p.retry.attempt, maxRetries: p.retry.maxRetries })).toEqual([
      { attempt: 1, maxRetries: 2 },
      { attempt: 2, maxRetries: 2 },
    ]);
    const first = retries[0]!;
    expect(first.retry?.errorStatus).toBe(429);
    // The server's Retry-After (1 s) is when the next try goes out.
    expect(first.retry!.nextAt - first.at).toBe(1_000);
  });

  it('fails transient with one sentence as its error; the raw stream-json stays in the run log', () => {
    expect(result.outcome).toBe('transient');
    expect(result.error).toBeDefined();
    const error = result.error!;
    expect(error.split('\n')).toHaveLength(1);
    expect(error).not.toContain('{"type"');
    expect(error).toContain('429');
    expect(error).toMatch(/rate limit/i);
    expect(error).toContain('2 retries');
    expect(error).toContain('Number of requests has exceeded your rate limit');
    const runLog = readFileSync(join(root, 'logs', 'run.log'), 'utf8');
    expect(runLog).toContain('"subtype":"api_retry"');
    expect(runLog).toContain('"type":"result"');
  });
});
