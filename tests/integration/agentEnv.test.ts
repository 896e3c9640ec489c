// Least privilege for the agent and the gates, through the real adapter and the real gate runner:
// a fake agent (a shell script used as agent.command) dumps its environment, and none of the
// secrets planted in roshi's own environment may be in it.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClaudeAdapter } from '../../src/adapters/agent/claude.js';
import { silentLogger } from '../../src/log.js';
import { gateEnv, runGate } from '../../src/runner/gates.js';
import { TEST_MARKER } from '../harness/processes.js';

/** Seven secrets roshi's process may hold; none may reach the agent or a gate. */
const PLANTED: Record<string, string> = {
  GITHUB_TOKEN: 'planted-github-token-value',
  TELEGRAM_BOT_TOKEN: 'planted-telegram-token-value',
  SLACK_BOT_TOKEN: 'planted-slack-token-value',
  MATRIX_ACCESS_TOKEN: 'planted-matrix-token-value',
  DEPLOY_THING: 'planted-custom-secret-value', // a custom name, listed in secrets.env
  ROSHI_NATS__PASSWORD: 'planted-roshi-nats-password',
  NATS_PASSWORD: 'planted-nats-password-value',
  NATS_URL: 'nats://planted-host:4222',
  ROSHI_GITHUB__TOKEN_ENV: 'GITHUB_TOKEN',
};
/** What the agent does get: its API variables, the basics, and what passEnv names. */
const GIVEN: Record<string, string> = {
  ANTHROPIC_API_KEY: 'agent-api-key-value',
  ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
  CLAUDE_CODE_MAX_RETRIES: '0',
  LC_TIME: 'C',
  TZ: 'UTC',
  OPERATOR_CHOSEN: 'passed-on-purpose',
};

let root: string;
const saved = new Map<string, string | undefined>();

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'roshi-agentenv-'));
  for (const [name, value] of Object.entries({ ...PLANTED, ...GIVEN })) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
});

afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
  rmSync(root, { recursive: true, force: true });
});

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

function expectNoPlantedSecret(dumped: string): void {
  for (const [name, value] of Object.entries(PLANTED)) {
    expect(dumped, `${name} reached the child`).not.toContain(value);
    expect(parseEnv(dumped)[name], name).toBeUndefined();
  }
}

describe('the agent environment', () => {
  it('a fake agent run through the real adapter sees none of seven planted secrets, and gets its own', async () => {
    const dump = join(root, 'env.txt');
    const agent = join(root, 'fake-agent.sh');
    writeFileSync(
      agent,
      `#!/bin/sh
env > "${dump}"
read -r _prompt  # the prompt: one stream-json line; stdin stays open (claudeArgs.ts)
echo '{"type":"result","subtype":"success","is_error":false,"result":"dumped","num_turns":1}'
`,
    );
    chmodSync(agent, 0o755);
    mkdirSync(join(root, 'work'));

    const result = await createClaudeAdapter({
      command: agent,
      logger: silentLogger(),
      passEnv: ['OPERATOR_CHOSEN'],
    }).run({
      prompt: 'dump your environment',
      cwd: join(root, 'work'),
      maxTurns: 1,
      allowedTools: [],
      env: {
        FROM_AGENT_ENV: 'literal',
        ...(process.env[TEST_MARKER] ? { [TEST_MARKER]: process.env[TEST_MARKER] } : {}),
      },
      idleTimeoutMs: 10_000,
      timeoutMs: 20_000,
      killGraceMs: 1_000,
      logFile: join(root, 'run.log'),
    });
    expect(result.outcome).toBe('success');

    const dumped = readFileSync(dump, 'utf8');
    expectNoPlantedSecret(dumped);
    const env = parseEnv(dumped);
    for (const [name, value] of Object.entries(GIVEN)) expect(env[name], name).toBe(value);
    expect(env.FROM_AGENT_ENV).toBe('literal');
    expect(env.PATH).toBe(process.env.PATH);
    // Nothing else of roshi's own settings goes along.
    expect(Object.keys(env).filter((name) => name.startsWith('ROSHI_') && name !== TEST_MARKER)).toEqual([]);
  });
});

describe('the gates environment', () => {
  it('a gate command sees none of the planted secrets nor the agent API key, and gets passEnv and CI', async () => {
    const dump = join(root, 'gate-env.txt');
    const env = gateEnv({ passEnv: ['OPERATOR_CHOSEN'], env: { FROM_AGENT_ENV: 'literal' } });
    const gate = await runGate(
      'quality',
      { mode: 'strict', commands: [`env > "${dump}"`] },
      root,
      env,
      10_000,
      silentLogger(),
    );
    expect(gate.outcome).toBe('passed');

    const dumped = readFileSync(dump, 'utf8');
    expectNoPlantedSecret(dumped);
    const seen = parseEnv(dumped);
    expect(seen.ANTHROPIC_API_KEY).toBeUndefined();
    expect(seen.OPERATOR_CHOSEN).toBe('passed-on-purpose');
    expect(seen.FROM_AGENT_ENV).toBe('literal');
    expect(seen.CI).toBe('true');
    expect(seen.PATH).toBe(process.env.PATH);
  });
});
