// Where the integration tests run the REAL Claude Code CLI against the scripted API
// (tests/fakes/anthropic.ts): a scratch root with the agent's working directory and its own HOME,
// the environment that points the CLI at the fake, and the fake's rate-limit answer.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorStep } from '../fakes/anthropic.js';

/** A fresh temp root (named from `prefix`) holding `work` (the cwd) and `home` (the CLI's HOME). */
export function claudeSandbox(prefix: string): { root: string; cwd: string; home: string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const cwd = join(root, 'work');
  const home = join(root, 'home');
  for (const dir of [cwd, home]) mkdirSync(dir, { recursive: true });
  return { root, cwd, home };
}

/** The CLI's environment: the fake API and a test key, `home` as HOME, no other traffic. */
export function claudeEnv(apiUrl: string, home: string, maxRetries: number): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: apiUrl,
    ANTHROPIC_API_KEY: 'test-key',
    HOME: home,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_MAX_RETRIES: String(maxRetries),
  };
}

/** The API refusing a request with 429 and a Retry-After of `seconds`. */
export function rateLimitedStep(seconds: number): ErrorStep {
  return {
    error: {
      status: 429,
      type: 'rate_limit_error',
      message: 'Number of requests has exceeded your rate limit',
      headers: { 'retry-after': String(seconds) },
    },
  };
}
