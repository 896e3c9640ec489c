import { describe, expect, it } from 'vitest';
import { agentEnvironment, gateEnvironment } from '../../src/secrets/agentEnv.js';

const ROSHI_ENV = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/roshi',
  USER: 'roshi',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  TMPDIR: '/tmp',
  https_proxy: 'http://proxy:3128',
  NO_PROXY: 'localhost',
  NODE_EXTRA_CA_CERTS: '/etc/ssl/corp.pem',
  ANTHROPIC_API_KEY: 'sk-agent',
  ANTHROPIC_BASE_URL: 'https://api.example',
  CLAUDE_CODE_USE_BEDROCK: '1',
  CLAUDE_CONFIG_DIR: '/home/roshi/.claude',
  CLAUDE_SOMETHING_ELSE: 'not the CLI’s',
  GITHUB_TOKEN: 'ghp-secret',
  GH_TOKEN: 'gh-secret',
  TELEGRAM_BOT_TOKEN: 'tg-secret',
  SLACK_APP_TOKEN: 'slack-secret',
  ROSHI_NATS__PASSWORD: 'nats-secret',
  ROSHI_PREFIX: 'roshi',
  NATS_URL: 'nats://x',
  NATS_CREDS: '/x.creds',
  AWS_SECRET_ACCESS_KEY: 'aws',
  NPM_TOKEN: 'npm-secret',
  GOPATH: '/go',
};

describe('agentEnvironment', () => {
  it('keeps the base set and the agent API variables, and nothing else', () => {
    expect(Object.keys(agentEnvironment(ROSHI_ENV)).sort()).toEqual(
      [
        'ANTHROPIC_API_KEY',
        'ANTHROPIC_BASE_URL',
        'CLAUDE_CODE_USE_BEDROCK',
        'CLAUDE_CONFIG_DIR',
        'HOME',
        'LANG',
        'LC_ALL',
        'NODE_EXTRA_CA_CERTS',
        'NO_PROXY',
        'PATH',
        'TMPDIR',
        'TZ',
        'USER',
        'https_proxy',
      ].sort(),
    );
  });

  it('adds what passEnv names (even a secret, on purpose) and agent.env literals last', () => {
    const env = agentEnvironment(ROSHI_ENV, {
      passEnv: ['NPM_TOKEN', 'GOPATH', 'NOT_SET'],
      extra: { PATH: '/opt/bin', MARKER: 'm' },
    });
    expect(env.NPM_TOKEN).toBe('npm-secret');
    expect(env.GOPATH).toBe('/go');
    expect('NOT_SET' in env).toBe(false);
    expect(env.PATH).toBe('/opt/bin');
    expect(env.MARKER).toBe('m');
    expect(env.GITHUB_TOKEN).toBeUndefined();
  });
});

describe('gateEnvironment', () => {
  it('is the agent environment without its API credentials, with CI=true', () => {
    const env = gateEnvironment(ROSHI_ENV, { passEnv: ['GOPATH'] });
    expect(env.ANTHROPIC_API_KEY).toBeUndefined();
    expect(env.ANTHROPIC_BASE_URL).toBe('https://api.example');
    expect(env.GOPATH).toBe('/go');
    expect(env.CI).toBe('true');
    for (const name of [
      'GITHUB_TOKEN',
      'GH_TOKEN',
      'TELEGRAM_BOT_TOKEN',
      'SLACK_APP_TOKEN',
      'ROSHI_NATS__PASSWORD',
      'NATS_URL',
      'NATS_CREDS',
      'NPM_TOKEN',
    ]) {
      expect(env[name], name).toBeUndefined();
    }
  });

  it('keeps a secret the operator passes on purpose', () => {
    expect(gateEnvironment(ROSHI_ENV, { passEnv: ['NPM_TOKEN'] }).NPM_TOKEN).toBe('npm-secret');
  });
});
