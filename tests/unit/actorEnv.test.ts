import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { actorEnvironment, childKindOf, type ChildKind } from '../../src/secrets/actorEnv.js';

const { config } = loadConfig({
  env: {},
  overrides: {
    secrets: { env: ['DEPLOY_THING'] },
    agent: { passEnv: ['NPM_TOKEN', 'GOPATH'] },
    bridge: { providers: ['console', 'telegram', 'slack', 'matrix'], telegram: { tokenEnv: 'MY_TG_BOT' } },
  },
});

const SUPERVISOR_ENV = {
  PATH: '/usr/bin',
  HOME: '/home/roshi',
  LANG: 'C.UTF-8',
  LC_ALL: 'C',
  ROSHI_CONFIG: '/etc/roshi.yaml',
  ROSHI_LOG__LEVEL: 'debug',
  ROSHI_GITHUB__TOKEN_ENV: 'GITHUB_TOKEN',
  ROSHI_NATS__PASSWORD: 'shared-bus-password',
  ROSHI_SNEAKY_TOKEN: 'not-config',
  GITHUB_TOKEN: 'gh-value',
  MY_TG_BOT: 'tg-value',
  SLACK_BOT_TOKEN: 'slack-bot',
  SLACK_APP_TOKEN: 'slack-app',
  MATRIX_ACCESS_TOKEN: 'matrix',
  ANTHROPIC_API_KEY: 'anthropic',
  CLAUDE_CODE_USE_VERTEX: '1',
  NPM_TOKEN: 'npm',
  GOPATH: '/go',
  DEPLOY_THING: 'custom-secret',
  NATS_PASSWORD: 'nats-cli',
  SSH_AUTH_SOCK: '/run/ssh.sock',
  GIT_CONFIG_GLOBAL: '/dev/null',
  AWS_SECRET_ACCESS_KEY: 'aws',
  RANDOM_VAR: 'x',
};

const SECRETS = [
  'GITHUB_TOKEN',
  'MY_TG_BOT',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'MATRIX_ACCESS_TOKEN',
  'ANTHROPIC_API_KEY',
  'NPM_TOKEN',
  'DEPLOY_THING',
  'NATS_PASSWORD',
  'AWS_SECRET_ACCESS_KEY',
];

function secretsOf(kind: ChildKind): string[] {
  const env = actorEnvironment(config, kind, SUPERVISOR_ENV, { ROSHI_NATS__USER: kind });
  expect(env.PATH).toBe('/usr/bin');
  expect(env.LC_ALL).toBe('C');
  expect(env.RANDOM_VAR).toBeUndefined();
  expect(env.ROSHI_SNEAKY_TOKEN).toBeUndefined();
  return SECRETS.filter((name) => name in env).sort();
}

describe('actorEnvironment: each kind gets only the secrets it uses', () => {
  it('runner: the GitHub token, the agent API variables, passEnv names and secrets.env (to mask them)', () => {
    expect(secretsOf('runner')).toEqual(['ANTHROPIC_API_KEY', 'DEPLOY_THING', 'GITHUB_TOKEN', 'NPM_TOKEN']);
    const env = actorEnvironment(config, 'runner', SUPERVISOR_ENV);
    expect(env.CLAUDE_CODE_USE_VERTEX).toBe('1');
    expect(env.GOPATH).toBe('/go');
    expect(env.SSH_AUTH_SOCK).toBe('/run/ssh.sock');
    expect(env.GIT_CONFIG_GLOBAL).toBe('/dev/null');
  });
  it('git settings go to the actors that run git only', () => {
    expect(actorEnvironment(config, 'pr-poller', SUPERVISOR_ENV).GIT_CONFIG_GLOBAL).toBe('/dev/null');
    expect(actorEnvironment(config, 'bridge', SUPERVISOR_ENV).GIT_CONFIG_GLOBAL).toBeUndefined();
    expect(actorEnvironment(config, 'chat', SUPERVISOR_ENV).SSH_AUTH_SOCK).toBeUndefined();
  });
  it('chat: the agent API variables only', () => expect(secretsOf('chat')).toEqual(['ANTHROPIC_API_KEY']));
  it('bridge: the chat providers’ tokens, by their configured names', () =>
    expect(secretsOf('bridge')).toEqual(['MATRIX_ACCESS_TOKEN', 'MY_TG_BOT', 'SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN']));
  it('bridge: only the tokens of the providers it runs', () => {
    const { config: consoleOnly } = loadConfig({ env: {}, overrides: { bridge: { providers: ['console', 'slack'] } } });
    const env = actorEnvironment(consoleOnly, 'bridge', SUPERVISOR_ENV);
    expect(SECRETS.filter((name) => name in env).sort()).toEqual(['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN']);
  });
  it('pr-poller: the GitHub token', () => expect(secretsOf('pr-poller')).toEqual(['GITHUB_TOKEN']));
  it('watchdog, missions, an unknown name: none', () => {
    expect(secretsOf('watchdog')).toEqual([]);
    expect(secretsOf('missions')).toEqual([]);
    expect(secretsOf('other')).toEqual([]);
  });
  it('a secrets.env variable reaches the runner only', () => {
    for (const kind of ['chat', 'bridge', 'pr-poller', 'watchdog', 'missions', 'nats'] as const) {
      expect(actorEnvironment(config, kind, SUPERVISOR_ENV).DEPLOY_THING, kind).toBeUndefined();
    }
  });
});

describe('actorEnvironment: the config layer and the child’s own variables', () => {
  it('actors get the ROSHI_* config (…ENV names included) and the bus credential; nats-server not the credential', () => {
    const env = actorEnvironment(config, 'watchdog', SUPERVISOR_ENV);
    expect(env.ROSHI_CONFIG).toBe('/etc/roshi.yaml');
    expect(env.ROSHI_LOG__LEVEL).toBe('debug');
    expect(env.ROSHI_GITHUB__TOKEN_ENV).toBe('GITHUB_TOKEN');
    expect(env.ROSHI_NATS__PASSWORD).toBe('shared-bus-password');
    const nats = actorEnvironment(config, 'nats', SUPERVISOR_ENV, { ROSHI_STATE_DIR: '/s' });
    expect(
      Object.keys(nats)
        .filter((name) => name.startsWith('ROSHI_'))
        .sort(),
    ).toEqual(['ROSHI_CONFIG', 'ROSHI_GITHUB__TOKEN_ENV', 'ROSHI_LOG__LEVEL', 'ROSHI_STATE_DIR']);
  });
  it('the supervisor’s per-child variables win (its own bus credential)', () => {
    const env = actorEnvironment(config, 'bridge', SUPERVISOR_ENV, {
      ROSHI_NATS__USER: 'bridge',
      ROSHI_NATS__PASSWORD: 'bridge-only',
    });
    expect(env.ROSHI_NATS__PASSWORD).toBe('bridge-only');
  });
  it('a configured token variable named ROSHI_* is a secret, not config', () => {
    const { config: custom } = loadConfig({ env: {}, overrides: { github: { tokenEnv: 'ROSHI_GH_TOKEN' } } });
    expect(actorEnvironment(custom, 'bridge', { ROSHI_GH_TOKEN: 'v' }).ROSHI_GH_TOKEN).toBeUndefined();
    expect(actorEnvironment(custom, 'runner', { ROSHI_GH_TOKEN: 'v' }).ROSHI_GH_TOKEN).toBe('v');
  });
  it('names map to kinds', () => {
    expect(childKindOf('runner-12')).toBe('runner');
    expect(childKindOf('pr-poller')).toBe('pr-poller');
    expect(childKindOf('runner-x')).toBe('other');
  });
});
