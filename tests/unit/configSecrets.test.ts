// Config errors are printed, logged and may reach chat: they must never echo a secret.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type LoadOptions } from '../../src/config/index.js';
import { ConfigError, ParseError, RoshiError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-configsecrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(options: LoadOptions): RoshiError {
  try {
    loadConfig({ env: {}, ...options });
  } catch (error) {
    return error as RoshiError;
  }
  throw new Error('expected a config error');
}
function file(text: string): string {
  const path = join(dir, 'roshi.yaml');
  writeFileSync(path, text);
  return path;
}
/** Neither the message nor any field of the error (a logger serializes them) holds `secret`. */
function expectHidden(error: RoshiError, secret: string): void {
  expect(error.message).not.toContain(secret);
  expect(JSON.stringify({ ...error })).not.toContain(secret);
  expect(String(error.stack)).not.toContain(secret);
}

const SLACK = 'xoxb-' + '123456789012-abcdefghijkl';
const GHP = 'ghp_' + 'P4st3dT0k3n'.repeat(3) + 'abc';

describe('config errors never echo a secret', () => {
  it('a Slack token pasted into a *TokenEnv key', () => {
    const error = errorOf({ file: file(`bridge:\n  slack:\n    botTokenEnv: ${SLACK}\n`) });
    expect(error).toBeInstanceOf(ConfigError);
    expectHidden(error, SLACK);
    expect(error.message).toContain('bridge.slack.botTokenEnv');
    expect(error.message).toContain('[redacted]');
    expect(error.message).toContain('looks like a token');
  });

  it('a GitHub token pasted into github.tokenEnv, though it is a valid variable name', () => {
    const error = errorOf({ file: file(`github:\n  tokenEnv: ${GHP}\n`) });
    expect(error).toBeInstanceOf(ConfigError);
    expectHidden(error, GHP);
    expect(error.message).toContain('github.tokenEnv');
  });

  it('the same through the environment', () => {
    const telegram = '123456789:' + 'A'.repeat(35);
    const error = errorOf({ env: { ROSHI_BRIDGE__TELEGRAM__TOKEN_ENV: telegram } });
    expectHidden(error, telegram);
    expect(error.message).toContain('env ROSHI_BRIDGE__TELEGRAM__TOKEN_ENV');
  });

  it('a secret-looking literal in agent.env that fails its check', () => {
    const error = errorOf({ file: file('agent:\n  env:\n    ANTHROPIC_API_KEY: 918273645546372819\n') });
    expectHidden(error, '918273645546372819');
    expect(error.message).toContain('agent.env.ANTHROPIC_API_KEY');
  });

  it('an unknown ROSHI_ variable whose name says secret', () => {
    const error = errorOf({ env: { ROSHI_DEPLOY_TOKEN: 'unshaped-secret-value' } });
    expectHidden(error, 'unshaped-secret-value');
    expect(error.message).toContain('ROSHI_DEPLOY_TOKEN');
  });

  it('a section given a token-shaped scalar', () => {
    const error = errorOf({ file: file(`nats: ${GHP}\n`) });
    expectHidden(error, GHP);
  });

  it('a YAML error on a line holding a password: the line is not quoted', () => {
    const error = errorOf({ file: file('nats:\n  password: "hunter2-but-longer\nprefix: x\n') });
    expect(error).toBeInstanceOf(ParseError);
    expectHidden(error, 'hunter2-but-longer');
    expect(error.message).toMatch(/line \d+/);
  });

  it('ordinary values are still shown', () => {
    const error = errorOf({ file: file('log:\n  level: loud\n') });
    expect(error.message).toContain('"loud"');
  });
});
