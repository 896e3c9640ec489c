// Config errors: unknown keys with suggestions, values of the wrong type or range, cross-checks
// between keys, and lists and maps naming the bad element (docs/configuration.md#values).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { defaultConfigFile } from '../../src/paths.js';
import { expectRefused } from '../harness/configRefusal.js';
import { load, loadError, useConfigDir } from '../harness/configFiles.js';

const { writeConfig, refusal } = useConfigDir();

describe('validation', () => {
  it('names an unknown key with its file and the closest valid key', () => {
    const file = writeConfig('nats:\n  ulr: nats://h:4222\n');
    const error = loadError({ file });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`config: unknown key nats.ulr (from ${file}); did you mean nats.url?`);
    expect((error as ConfigError).key).toBe('nats.ulr');
  });

  it('suggests a nested key for a flattened spelling', () => {
    expect(refusal('heartbeatInterval: 1s\n')).toContain('did you mean heartbeat.interval?');
  });

  it('lists the valid keys when nothing is close', () => {
    const message = refusal('log:\n  destination: /var/log/roshi\n');
    expect(message).toContain('unknown key log.destination');
    expect(message).toContain('valid keys under log: level, pretty');
    const deep = loadError({ overrides: { 'nats.nowhere.else': 1 } }).message;
    expect(deep).toContain('valid keys under nats: url, token');
  });

  it('reports a wrong value with key, value, expectation and source', () => {
    const file = writeConfig('nats:\n  embedded:\n    port: 70000\n');
    const error = expectRefused({ file }, 'nats.embedded.port');
    expect(error.value).toBe(70000);
    expect(error.source).toBe(file);
    expect(error.message).toBe(
      `config: nats.embedded.port (from ${file}) is number 70000; expected an integer from 0 to 65535`,
    );
  });

  it('reports a wrong value from the environment with the variable name', () => {
    const message = loadError({ env: { ROSHI_HEARTBEAT__INTERVAL: 'fast' } }).message;
    expect(message).toContain('heartbeat.interval (from env ROSHI_HEARTBEAT__INTERVAL) is "fast"');
    expect(message).toContain('expected a duration such as "250ms"');
    expect(message).toContain('at least 100ms');
  });

  it.each([
    ['log:\n  level: loud\n', 'log.level', 'one of "trace", "debug"'],
    ['prefix: Roshi\n', 'prefix', 'a name matching'],
    ['nats:\n  url: http://h:4222\n', 'nats.url', 'nats:// or tls://'],
    ['nats:\n  embedded:\n    host: ""\n', 'nats.embedded.host', 'a non-empty string'],
    ['nats:\n  token: 12345\n', 'nats.token', 'a string'],
    ['inspect:\n  enabled: yes\n', 'inspect.enabled', 'true or false'],
    ['supervision:\n  backoff:\n    jitter: 1.5\n', 'supervision.backoff.jitter', 'a number from 0 to 1'],
    ['supervision:\n  backoff:\n    multiplier: 0.5\n', 'supervision.backoff.multiplier', 'a number ≥ 1'],
    ['actors:\n  runner:\n    instances: 2.5\n', 'actors.runner.instances', 'an integer from 1 to 32'],
    ['watchdog:\n  checkInterval: 10ms\n', 'watchdog.checkInterval', 'at least 50ms'],
    ['log:\n  level: [info]\n', 'log.level', 'is a list ["info"]'],
    ['nats: nats://h:4222\n', 'nats', 'expected a mapping of keys'],
    ['git:\n  branchPrefix: "-x"\n', 'git.branchPrefix', 'a name matching'],
    ['github:\n  apiUrl: ftp://x\n', 'github.apiUrl', 'an http:// or https:// URL'],
    ['github:\n  tokenEnv: "ghp_123 456"\n', 'github.tokenEnv', 'the name of an environment variable'],
    ['agent:\n  maxTurns: 0\n', 'agent.maxTurns', 'an integer from 1 to 1000'],
    ['agent:\n  idleTimeout: 0\n', 'agent.idleTimeout', 'at least 1ms'],
    ['agent:\n  runLogs:\n    maxCount: 0\n', 'agent.runLogs.maxCount', 'an integer ≥ 1'],
    ['missions:\n  keepDone: -1\n', 'missions.keepDone', 'an integer ≥ 0'],
    ['runner:\n  breaker:\n    maxConsecutiveFailures: 0\n', 'runner.breaker.maxConsecutiveFailures', 'an integer ≥ 1'],
    ['projects:\n  a:\n    path: /a\n    githubRepo: https://github.com/a/b\n', 'projects.a.githubRepo', 'owner/name'],
  ])('rejects %j at %s', (text, key, expected) => {
    const error = expectRefused({ file: writeConfig(text) }, key);
    expect(error.message).toContain(expected);
  });

  it('checks that watchdog.staleAfter exceeds heartbeat.interval, blaming staleAfter', () => {
    const file = writeConfig('watchdog:\n  staleAfter: 2s\n');
    const error = expectRefused({ file }, 'watchdog.staleAfter');
    expect(error.source).toBe(file);
    expect(error.message).toContain('greater than heartbeat.interval (2s)');
  });

  it('rejects a top level that is not a mapping', () => {
    expect(refusal('- a\n- b\n')).toContain('(top level)');
  });
});

describe('cross-checks', () => {
  it.each([
    ['missions:\n  leaseRenew: 30s\n', 'missions.leaseRenew', 'a duration less than missions.lease (30s)', 'file'],
    [
      'missions:\n  retryBackoff:\n    initial: 1h\n',
      'missions.retryBackoff.max',
      'at least missions.retryBackoff.initial (1h)',
      'defaults',
    ],
    [
      'supervision:\n  backoff:\n    initial: 1m\n',
      'supervision.backoff.max',
      'at least supervision.backoff.initial (1m)',
      'defaults',
    ],
    ['defaultProject: app\n', 'defaultProject', '"" (no projects are configured)', 'file'],
    [
      'defaultProject: ap\nprojects:\n  app: { path: /src/app }\n  web: { path: /src/web }\n',
      'defaultProject',
      'a configured project: app, web',
      'file',
    ],
  ])('rejects %j, blaming %s', (text, key, expected, blamed) => {
    const file = writeConfig(text);
    const error = expectRefused({ file }, key);
    expect(error.source).toBe(blamed === 'file' ? file : defaultConfigFile());
    expect(error.message).toContain(expected);
  });

  it('requires path or url for every project, blaming the file that defined it', () => {
    const file = writeConfig('projects:\n  app:\n    path: /src/app\n  web:\n    baseBranch: dev\n');
    const error = expectRefused({ file }, 'projects.web.path');
    expect(error.source).toBe(file);
    expect(error.message).toBe(
      `config: projects.web.path (from ${file}) is missing; expected a local git checkout, or projects.web.url set to a git URL to clone`,
    );
    const explicit = loadError({ file: writeConfig('projects:\n  web:\n    path: ""\n') });
    expect(explicit.message).toContain('projects.web.path (from');
    expect(explicit.message).toContain('is ""');
  });

  it('accepts the edge values: leaseRenew just under lease, retry max equal to initial', () => {
    const file = writeConfig('missions:\n  lease: 10s\n  leaseRenew: 9999\n  retryBackoff: { initial: 1m, max: 1m }\n');
    expect(load({ file }).config.missions.leaseRenew).toBe(9_999);
  });
});

describe('lists', () => {
  it('take a YAML sequence of strings, replacing the default as a whole', () => {
    const { config, sources } = load({ file: writeConfig('agent:\n  allowedTools:\n    - Read\n    - Bash\n') });
    expect(config.agent.allowedTools).toEqual(['Read', 'Bash']);
    expect(load({ file: writeConfig('agent:\n  allowedTools: []\n') }).config.agent.allowedTools).toEqual([]);
    expect(sources['agent.allowedTools']).toContain('roshi.yaml');
  });

  it('name the offending item by index, with a hint to quote numbers', () => {
    const file = writeConfig('agent:\n  allowedTools: [Read, Bash, 42]\n');
    const error = expectRefused({ file }, 'agent.allowedTools[2]');
    expect(error.value).toBe(42);
    expect(error.message).toBe(
      `config: agent.allowedTools[2] (from ${file}) is number 42; expected a string; YAML reads 42 as a number, so quote it: "42"`,
    );
  });

  it('reject a scalar or a missing value', () => {
    expect(refusal('agent:\n  allowedTools: Read\n')).toContain('agent.allowedTools (from');
    expect(refusal('agent:\n  allowedTools: Read\n')).toContain('expected a list of strings');
    expect((loadError({ file: writeConfig('agent:\n  allowedTools:\n') }) as ConfigError).key).toBe(
      'agent.allowedTools',
    );
    expect(
      (
        loadError({
          file: writeConfig('projects:\n  a:\n    path: /a\n    lint: { commands: [x, null] }\n'),
        }) as ConfigError
      ).key,
    ).toBe('projects.a.lint.commands[1]');
  });

  it('come from the environment as a YAML flow sequence', () => {
    expect(load({ env: { ROSHI_AGENT__ALLOWED_TOOLS: '[Read, "Bash"]' } }).config.agent.allowedTools).toEqual([
      'Read',
      'Bash',
    ]);
    expect(loadError({ env: { ROSHI_AGENT__ALLOWED_TOOLS: 'Read,Bash' } }).message).toContain(
      'agent.allowedTools (from env ROSHI_AGENT__ALLOWED_TOOLS) is "Read,Bash"; expected a list of strings',
    );
  });

  it('are copies, so changing one loaded config does not change the next', () => {
    load().config.agent.allowedTools.push('X');
    expect(load().config.agent.allowedTools).not.toContain('X');
  });
});

describe('maps', () => {
  it('take a mapping of names to strings', () => {
    const file = writeConfig('agent:\n  env:\n    FOO: bar\n    PORT: "8080"\n');
    expect(load({ file }).config.agent.env).toEqual({ FOO: 'bar', PORT: '8080' });
  });

  it('reject a number value, naming the entry and suggesting quotes', () => {
    const file = writeConfig('agent:\n  env:\n    FOO: bar\n    PORT: 8080\n');
    const error = expectRefused({ file }, 'agent.env.PORT');
    expect(error.message).toBe(
      `config: agent.env.PORT (from ${file}) is number 8080; expected a string; YAML reads 8080 as a number, so quote it: "8080"`,
    );
    expect(refusal('agent:\n  env:\n    CI: true\n')).toContain('quote it: "true"');
    expect(refusal('agent:\n  env:\n    EMPTY:\n')).toContain('write "" for an empty one');
  });

  it('reject a list', () => {
    const error = expectRefused({ file: writeConfig('agent:\n  env: [A=b]\n') }, 'agent.env');
    expect(error.message).toContain('expected a mapping of names to strings');
  });

  it('come from the environment as a YAML flow mapping', () => {
    expect(load({ env: { ROSHI_AGENT__ENV: '{ A: b, C: "1" }' } }).config.agent.env).toEqual({ A: 'b', C: '1' });
  });
});
