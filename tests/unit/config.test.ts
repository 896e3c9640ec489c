import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  describeSources,
  ENTRY_DEFAULTS_SOURCE,
  envNameFor,
  loadConfig,
  type LoadOptions,
  type RoshiConfig,
} from '../../src/config/index.js';
import { ConfigError, ParseError } from '../../src/errors.js';
import { defaultConfigFile, packageRoot } from '../../src/paths.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(text: string, name = 'roshi.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** loadConfig with an empty environment unless one is given, so the runner's own env never leaks in. */
function load(options: LoadOptions = {}) {
  return loadConfig({ env: {}, ...options });
}

/** The error loadConfig throws for `options`, for asserting on its fields and message. */
function loadError(options: LoadOptions): Error {
  try {
    load(options);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('defaults', () => {
  it('load from config/default.yaml and validate', () => {
    const { config, files } = load();
    expect(files).toEqual([defaultConfigFile()]);
    expect(config.prefix).toBe('roshi');
    expect(config.log).toEqual({ level: 'info', pretty: 'auto' });
    expect(config.nats.url).toBe('');
    expect(config.nats.embedded).toEqual({ binary: '', host: '127.0.0.1', port: 0 });
    expect(config.nats.requestTimeout).toBe(2_000);
    expect(config.heartbeat.interval).toBe(2_000);
    expect(config.watchdog).toEqual({ checkInterval: 500, staleAfter: 10_000, maxLoopLag: 3_000 });
    expect(config.supervision.backoff).toEqual({ initial: 500, max: 30_000, multiplier: 2, jitter: 0.2 });
    expect(config.supervision.intensity).toEqual({ maxRestarts: 5, period: 60_000 });
    expect(config.supervision.maxTier3Failures).toBe(3);
    expect(config.actors.runner).toEqual({ enabled: true, instances: 1 });
    expect(config.actors.prPoller.enabled).toBe(true);
    expect(config.actors.missions.enabled).toBe(true);
    expect(config.inspect.enabled).toBe(true);
    expect(config.defaultProject).toBe('');
    expect(config.projects).toEqual({});
    expect(config.git).toEqual({ branchPrefix: 'roshi', authorName: 'roshi', authorEmail: 'roshi@localhost' });
    expect(config.agent).toEqual({
      command: '',
      model: '',
      fallbackModel: '',
      effort: '',
      maxTurns: 50,
      allowedTools: ['Read', 'Write', 'Edit', 'MultiEdit', 'Bash', 'Glob', 'Grep', 'LS'],
      idleTimeout: 300_000,
      timeout: 3_600_000,
      killGrace: 5_000,
      env: {},
      passEnv: [],
      roles: {},
      runLogs: { maxAge: 7 * 86_400_000, maxCount: 200 },
    });
    expect(config.missions).toEqual({
      maxAttempts: 3,
      maxTransientAttempts: 6,
      lease: 30_000,
      leaseRenew: 10_000,
      retryBackoff: { initial: 30_000, max: 1_800_000 },
      keepDone: 20,
      keepFailed: 20,
      file: join(config.stateDir, 'missions.md'),
      maxTextLength: 8000,
    });
    expect(config.runner).toEqual({
      startPaused: false,
      pollInterval: 2_000,
      breaker: { maxConsecutiveFailures: 3, openFor: 300_000 },
    });
    expect(config.github).toEqual({ apiUrl: 'https://api.github.com', tokenEnv: 'GITHUB_TOKEN' });
  });

  it('define every key, so the code needs no fallback values', () => {
    const { sources } = load();
    // Every leaf came from the defaults file; buildSection would have thrown on a missing one.
    expect(new Set(Object.values(sources))).toEqual(new Set([defaultConfigFile()]));
    expect(Object.keys(sources)).toContain('supervision.backoff.jitter');
  });

  it('have the documented types', () => {
    const { config } = load();
    expectTypeOf(config).toEqualTypeOf<RoshiConfig>();
    expectTypeOf(config.log.level).toEqualTypeOf<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'>();
    expectTypeOf(config.supervision.sigtermGrace).toEqualTypeOf<number>();
    expectTypeOf(config.actors.runner.enabled).toEqualTypeOf<boolean>();
    expectTypeOf(config.nats.tls.caFile).toEqualTypeOf<string>();
    expectTypeOf(config.agent.allowedTools).toEqualTypeOf<string[]>();
    expectTypeOf(config.agent.env).toEqualTypeOf<Record<string, string>>();
    expectTypeOf(config.agent.roles).toEqualTypeOf<Record<string, { model: string; effort: string }>>();
    type Gate = { mode: 'off' | 'warn' | 'strict'; commands: string[] };
    expectTypeOf(config.projects).toEqualTypeOf<
      Record<
        string,
        {
          path: string;
          url: string;
          baseBranch: string;
          remote: string;
          pushRemote: string;
          githubRepo: string;
          model: string;
          effort: string;
          qualityGate: Gate;
          lint: Gate;
        }
      >
    >();
  });

  it('include config/example.yaml, which loads as it is', () => {
    const { config } = load({ file: join(packageRoot(), 'config', 'example.yaml') });
    expect(Object.keys(config.projects)).toEqual(['webapp', 'docs-site']);
    expect(config.defaultProject).toBe('webapp');
    expect(config.projects.webapp?.qualityGate).toEqual({ mode: 'strict', commands: ['npm ci', 'npm test'] });
    expect(config.projects['docs-site']?.path).toBe('');
    expect(config.actors.runner.instances).toBe(2);
    expect(config.nats.url).toBe('');
  });
});

describe('user file', () => {
  it('overrides only the keys it names', () => {
    const file = writeConfig('nats:\n  url: nats://bus.example:4222\nsupervision:\n  backoff:\n    max: 1m\n');
    const { config, files, sources } = load({ file });
    expect(files).toEqual([defaultConfigFile(), file]);
    expect(config.nats.url).toBe('nats://bus.example:4222');
    expect(config.supervision.backoff.max).toBe(60_000);
    expect(config.supervision.backoff.initial).toBe(500);
    expect(sources['nats.url']).toBe(file);
    expect(sources['nats.token']).toBe(defaultConfigFile());
  });

  it('is taken from ROSHI_CONFIG when no file is given, and options.file wins over it', () => {
    const fromEnv = writeConfig('prefix: fromenv\n', 'env.yaml');
    const fromOption = writeConfig('prefix: fromoption\n', 'option.yaml');
    expect(load({ env: { ROSHI_CONFIG: fromEnv } }).config.prefix).toBe('fromenv');
    expect(load({ env: { ROSHI_CONFIG: fromEnv }, file: fromOption }).config.prefix).toBe('fromoption');
  });

  it('may be empty or leave a section with every key commented out', () => {
    expect(load({ file: writeConfig('') }).config.prefix).toBe('roshi');
    expect(load({ file: writeConfig('nats:\n  # url: nats://x:4222\n') }).config.nats.url).toBe('');
  });

  it('accepts a comma-separated list of NATS URLs', () => {
    const file = writeConfig('nats:\n  url: "nats://a:4222, tls://b:4222"\n');
    expect(load({ file }).config.nats.url).toBe('nats://a:4222, tls://b:4222');
  });

  it('refuses WebSocket URLs, which the Node client would dial as plain TCP', () => {
    const file = writeConfig('nats:\n  url: "wss://c/ws"\n');
    expect(() => load({ file })).toThrow(/nats\.url.*nats:\/\/ or tls:\/\//);
  });
});

describe('environment', () => {
  it('maps ROSHI_A__B_C to a.bC and parses values as YAML scalars', () => {
    const { config, sources } = load({
      env: {
        ROSHI_HEARTBEAT__INTERVAL: '500',
        ROSHI_SUPERVISION__SIGTERM_GRACE: '10s',
        ROSHI_SUPERVISION__BACKOFF__JITTER: '0.5',
        ROSHI_ACTORS__RUNNER__ENABLED: 'false',
        ROSHI_ACTORS__RUNNER__INSTANCES: '4',
        ROSHI_ACTORS__PR_POLLER__ENABLED: 'false',
        ROSHI_LOG__LEVEL: 'debug',
      },
    });
    expect(config.heartbeat.interval).toBe(500);
    expect(config.supervision.sigtermGrace).toBe(10_000);
    expect(config.supervision.backoff.jitter).toBe(0.5);
    expect(config.actors.runner).toEqual({ enabled: false, instances: 4 });
    expect(config.actors.prPoller.enabled).toBe(false);
    expect(config.log.level).toBe('debug');
    expect(sources['supervision.sigtermGrace']).toBe('env ROSHI_SUPERVISION__SIGTERM_GRACE');
  });

  it('keeps string values verbatim, so secrets that look like numbers or comments survive', () => {
    const { config } = load({
      env: { ROSHI_NATS__TOKEN: '12345', ROSHI_NATS__PASSWORD: 'pa ss #word: x', ROSHI_NATS__URL: 'nats://h:4222' },
    });
    expect(config.nats.token).toBe('12345');
    expect(config.nats.password).toBe('pa ss #word: x');
    expect(config.nats.url).toBe('nats://h:4222');
  });

  it('wins over the user file', () => {
    const file = writeConfig('heartbeat:\n  interval: 1s\n');
    expect(load({ file, env: { ROSHI_HEARTBEAT__INTERVAL: '3s' } }).config.heartbeat.interval).toBe(3_000);
  });

  it('names the variable and the nearest one when a ROSHI_ variable is no key', () => {
    const error = loadError({ env: { ROSHI_NATS__ULR: 'nats://h:4222' } });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('ROSHI_NATS__ULR');
    expect(error.message).toContain('did you mean ROSHI_NATS__URL (nats.url)?');
  });

  it('points to the list of keys when no variable is close', () => {
    const message = loadError({ env: { ROSHI_WHATEVER: 'x' } }).message;
    expect(message).toContain('ROSHI_WHATEVER is not a config key');
    expect(message).not.toContain('did you mean');
  });

  it('rejects a variable that names a whole section', () => {
    expect(loadError({ env: { ROSHI_NATS: 'x' } }).message).toContain(
      'environment variable ROSHI_NATS is not a config key',
    );
  });

  it('ignores ROSHI_ variables that are process plumbing, and other variables', () => {
    expect(() =>
      load({ env: { ROSHI_TEST_RUN: '1', ROSHI_FAULTS: 'chat:crash-on-start', ROSHI_LIFELINE: '3', HOME: '/x' } }),
    ).not.toThrow();
  });

  it('has a variable for every key', () => {
    expect(envNameFor('stateDir')).toBe('ROSHI_STATE_DIR');
    expect(envNameFor('nats.tls.caFile')).toBe('ROSHI_NATS__TLS__CA_FILE');
    expect(envNameFor('supervision.maxTier3Failures')).toBe('ROSHI_SUPERVISION__MAX_TIER3_FAILURES');
    expect(envNameFor('projects.app.baseBranch')).toBe('ROSHI_PROJECTS__APP__BASE_BRANCH');
    const { sources } = load();
    for (const key of Object.keys(sources)) {
      expect(() => load({ env: { [envNameFor(key)]: 'x' } }), key).not.toThrow(/not a config key/);
    }
  });
});

describe('overrides', () => {
  it('win over the environment and skip undefined values', () => {
    const { config, sources } = load({
      env: { ROSHI_ACTORS__RUNNER__INSTANCES: '2' },
      overrides: { 'actors.runner.instances': 3, stateDir: '/srv/roshi', 'nats.url': undefined },
    });
    expect(config.actors.runner.instances).toBe(3);
    expect(config.stateDir).toBe('/srv/roshi');
    expect(config.nats.url).toBe('');
    expect(sources['actors.runner.instances']).toBe('overrides');
  });

  it('reject unknown keys', () => {
    const error = loadError({ overrides: { statedir: '/x' } });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('config: unknown key statedir (from overrides); did you mean stateDir?');
  });
});

describe('validation', () => {
  it('names an unknown key with its file and the closest valid key', () => {
    const file = writeConfig('nats:\n  ulr: nats://h:4222\n');
    const error = loadError({ file });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`config: unknown key nats.ulr (from ${file}); did you mean nats.url?`);
    expect((error as ConfigError).key).toBe('nats.ulr');
  });

  it('suggests a nested key for a flattened spelling', () => {
    expect(loadError({ file: writeConfig('heartbeatInterval: 1s\n') }).message).toContain(
      'did you mean heartbeat.interval?',
    );
  });

  it('lists the valid keys when nothing is close', () => {
    const message = loadError({ file: writeConfig('log:\n  destination: /var/log/roshi\n') }).message;
    expect(message).toContain('unknown key log.destination');
    expect(message).toContain('valid keys under log: level, pretty');
    const deep = loadError({ overrides: { 'nats.nowhere.else': 1 } }).message;
    expect(deep).toContain('valid keys under nats: url, token');
  });

  it('reports a wrong value with key, value, expectation and source', () => {
    const file = writeConfig('nats:\n  embedded:\n    port: 70000\n');
    const error = loadError({ file }) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.key).toBe('nats.embedded.port');
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
  ])('rejects %j at %s', (text, key, expected) => {
    const error = loadError({ file: writeConfig(text) });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    expect(error.message).toContain(expected);
  });

  it('checks that watchdog.staleAfter exceeds heartbeat.interval, blaming staleAfter', () => {
    const file = writeConfig('watchdog:\n  staleAfter: 2s\n');
    const error = loadError({ file }) as ConfigError;
    expect(error.key).toBe('watchdog.staleAfter');
    expect(error.source).toBe(file);
    expect(error.message).toContain('greater than heartbeat.interval (2s)');
  });

  it('rejects a top level that is not a mapping', () => {
    expect(loadError({ file: writeConfig('- a\n- b\n') }).message).toContain('(top level)');
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
    const error = loadError({ file }) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.key).toBe(key);
    expect(error.source).toBe(blamed === 'file' ? file : defaultConfigFile());
    expect(error.message).toContain(expected);
  });

  it('requires path or url for every project, blaming the file that defined it', () => {
    const file = writeConfig('projects:\n  app:\n    path: /src/app\n  web:\n    baseBranch: dev\n');
    const error = loadError({ file }) as ConfigError;
    expect(error.key).toBe('projects.web.path');
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
    const error = loadError({ file }) as ConfigError;
    expect(error.key).toBe('agent.allowedTools[2]');
    expect(error.value).toBe(42);
    expect(error.message).toBe(
      `config: agent.allowedTools[2] (from ${file}) is number 42; expected a string; YAML reads 42 as a number, so quote it: "42"`,
    );
  });

  it('reject a scalar or a missing value', () => {
    expect(loadError({ file: writeConfig('agent:\n  allowedTools: Read\n') }).message).toContain(
      'agent.allowedTools (from',
    );
    expect(loadError({ file: writeConfig('agent:\n  allowedTools: Read\n') }).message).toContain(
      'expected a list of strings',
    );
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
    const error = loadError({ file }) as ConfigError;
    expect(error.key).toBe('agent.env.PORT');
    expect(error.message).toBe(
      `config: agent.env.PORT (from ${file}) is number 8080; expected a string; YAML reads 8080 as a number, so quote it: "8080"`,
    );
    expect(loadError({ file: writeConfig('agent:\n  env:\n    CI: true\n') }).message).toContain('quote it: "true"');
    expect(loadError({ file: writeConfig('agent:\n  env:\n    EMPTY:\n') }).message).toContain(
      'write "" for an empty one',
    );
  });

  it('reject a list', () => {
    const error = loadError({ file: writeConfig('agent:\n  env: [A=b]\n') }) as ConfigError;
    expect(error.key).toBe('agent.env');
    expect(error.message).toContain('expected a mapping of names to strings');
  });

  it('come from the environment as a YAML flow mapping', () => {
    expect(load({ env: { ROSHI_AGENT__ENV: '{ A: b, C: "1" }' } }).config.agent.env).toEqual({ A: 'b', C: '1' });
  });
});

describe('records', () => {
  it('fill the keys an entry leaves out from the entry defaults', () => {
    const file = writeConfig(
      'projects:\n  app:\n    path: /src/app\n    qualityGate:\n      mode: strict\n      commands: [npm test]\n',
    );
    const { config, sources } = load({ file });
    expect(config.projects).toEqual({
      app: {
        path: '/src/app',
        url: '',
        baseBranch: 'main',
        remote: 'origin',
        pushRemote: 'origin',
        githubRepo: '',
        model: '',
        effort: '',
        qualityGate: { mode: 'strict', commands: ['npm test'] },
        lint: { mode: 'off', commands: [] },
      },
    });
    expect(sources['projects.app.path']).toBe(file);
    expect(sources['projects.app.qualityGate.mode']).toBe(file);
    expect(sources['projects.app.baseBranch']).toBe(ENTRY_DEFAULTS_SOURCE);
    expect(sources['projects.app.lint.commands']).toBe(ENTRY_DEFAULTS_SOURCE);
  });

  it('keep the entries in file order and resolve their shorthands', () => {
    const file = writeConfig(
      'projects:\n  zeta:\n    url: https://x/z.git\n    remote: upstream\n  alpha:\n    path: rel/alpha\n    pushRemote: fork\n',
    );
    const { config } = load({ file });
    expect(Object.keys(config.projects)).toEqual(['zeta', 'alpha']);
    expect(config.projects.zeta?.pushRemote).toBe('upstream');
    expect(config.projects.alpha?.pushRemote).toBe('fork');
    expect(config.projects.alpha?.path).toBe(resolve(process.cwd(), 'rel/alpha'));
    expect(config.projects.zeta?.path).toBe('');
    // Two projects and no defaultProject: nothing to choose.
    expect(config.defaultProject).toBe('');
  });

  it('make the only project the default project', () => {
    expect(load({ file: writeConfig('projects:\n  app: { path: /a }\n') }).config.defaultProject).toBe('app');
  });

  it('accept an entry with nothing under it', () => {
    const { config } = load({ file: writeConfig('agent:\n  roles:\n    review:\n    fix: { model: m }\n') });
    expect(config.agent.roles).toEqual({ review: { model: '', effort: '' }, fix: { model: 'm', effort: '' } });
  });

  it('suggest the nearest key for an unknown key in an entry', () => {
    const file = writeConfig('projects:\n  app:\n    path: /a\n    baseBrnach: dev\n');
    const error = loadError({ file }) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.key).toBe('projects.app.baseBrnach');
    expect(error.message).toBe(
      `config: unknown key projects.app.baseBrnach (from ${file}); did you mean projects.app.baseBranch?`,
    );
    const nested = loadError({
      file: writeConfig('projects:\n  app:\n    qualityGate:\n      comands: [x]\n'),
    }).message;
    expect(nested).toContain('did you mean projects.app.qualityGate.commands?');
  });

  it('list the entry keys when nothing is close', () => {
    const message = loadError({ file: writeConfig('projects:\n  app:\n    whatever: 1\n') }).message;
    expect(message).toContain('unknown key projects.app.whatever');
    expect(message).toContain('valid keys under projects.app: path, url, baseBranch');
  });

  it('check entry values with the types of sections', () => {
    const error = loadError({
      file: writeConfig('projects:\n  app:\n    path: /a\n    lint: { mode: loud }\n'),
    }) as ConfigError;
    expect(error.key).toBe('projects.app.lint.mode');
    expect(error.message).toContain('expected one of "off", "warn", "strict"');
    expect((loadError({ file: writeConfig('projects:\n  app: /src/app\n') }) as ConfigError).key).toBe('projects.app');
    expect(loadError({ file: writeConfig('projects:\n  app: /src/app\n') }).message).toContain(
      'expected a mapping of keys',
    );
    const notMapping = loadError({ file: writeConfig('projects: [app]\n') }) as ConfigError;
    expect(notMapping.key).toBe('projects');
    expect(notMapping.message).toContain('expected a mapping from names to entries (path, url');
  });

  it('reject a bad entry name', () => {
    const file = writeConfig('projects:\n  "my app":\n    path: /a\n');
    const error = loadError({ file }) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.key).toBe('projects.my app');
    expect(error.message).toBe(
      `config: "my app" is not a valid name under projects (from ${file}); names under projects are letters, digits, ".", "_" and "-", starting with a letter or digit`,
    );
    expect(loadError({ file: writeConfig('projects:\n  -app: { path: /a }\n') }).message).toContain(
      '"-app" is not a valid name',
    );
  });

  it('allow only mission kinds under agent.roles, suggesting the nearest', () => {
    const message = loadError({ file: writeConfig('agent:\n  roles:\n    reveiw: { model: m }\n') }).message;
    expect(message).toContain('"reveiw" is not a valid name under agent.roles');
    expect(message).toContain('did you mean agent.roles.review?');
    expect(message).toContain('free, rebase, ci_check, review, implement, fix');
  });

  it('create an entry from the environment alone, lower-casing its name', () => {
    const { config, sources } = load({
      env: {
        ROSHI_PROJECTS__APP__PATH: '/src/app',
        ROSHI_PROJECTS__APP__BASE_BRANCH: 'dev',
        ROSHI_AGENT__ROLES__CI_CHECK__MODEL: 'm',
      },
    });
    expect(config.projects.app).toMatchObject({ path: '/src/app', baseBranch: 'dev', remote: 'origin' });
    expect(config.agent.roles).toEqual({ ci_check: { model: 'm', effort: '' } });
    expect(sources['projects.app.path']).toBe('env ROSHI_PROJECTS__APP__PATH');
    expect(config.defaultProject).toBe('app');
  });

  it('merge the environment into an entry from a file key by key', () => {
    const file = writeConfig('projects:\n  app:\n    path: /a\n    baseBranch: dev\n');
    const { config } = load({
      file,
      env: { ROSHI_PROJECTS__APP__REMOTE: 'upstream', ROSHI_PROJECTS__APP__LINT__COMMANDS: '[make lint]' },
    });
    expect(config.projects.app).toMatchObject({
      path: '/a',
      baseBranch: 'dev',
      remote: 'upstream',
      lint: { mode: 'off', commands: ['make lint'] },
    });
  });

  it('suggest the nearest variable for a typo inside an entry', () => {
    const error = loadError({ env: { ROSHI_PROJECTS__APP__PAHT: '/a' } });
    expect(error.message).toContain(
      'ROSHI_PROJECTS__APP__PAHT is not a config key; did you mean ROSHI_PROJECTS__APP__PATH (projects.app.path)?',
    );
    expect(loadError({ env: { ROSHI_PROJECTS__APP: '/a' } }).message).toContain(
      'ROSHI_PROJECTS__APP is not a config key',
    );
    expect(loadError({ env: { ROSHI_PROJECTS: 'x' } }).message).toContain('ROSHI_PROJECTS is not a config key');
  });

  it('take overrides by dotted key, including entry names with dots', () => {
    const { config } = load({
      overrides: { 'projects.my.app.path': '/a', 'projects.web': { url: 'https://x/w.git' }, defaultProject: 'web' },
    });
    expect(Object.keys(config.projects)).toEqual(['my.app', 'web']);
    expect(config.projects['my.app']?.path).toBe('/a');
    expect(config.projects.web?.url).toBe('https://x/w.git');
    expect(loadError({ overrides: { 'projects.app.pth': '/a' } }).message).toContain('did you mean projects.app.path?');
  });

  it('are left out of describeSources where they took the entry defaults', () => {
    const file = writeConfig('projects:\n  app:\n    path: /a\n');
    expect(describeSources(load({ file })).slice(2)).toEqual([`projects.app.path from ${file}`]);
  });
});

describe('workspace and missions.file', () => {
  it('"" means a place under stateDir', () => {
    const { config } = load({ overrides: { stateDir: '/srv/roshi' } });
    expect(config.workspace).toBe('/srv/roshi/workspace');
    expect(config.missions.file).toBe('/srv/roshi/missions.md');
  });

  it('follow a relative stateDir', () => {
    const { config } = load({ overrides: { stateDir: 'var' } });
    expect(config.workspace).toBe(resolve(process.cwd(), 'var', 'workspace'));
    expect(config.missions.file).toBe(resolve(process.cwd(), 'var', 'missions.md'));
  });

  it('resolve a relative path against the working directory and keep an absolute one', () => {
    const file = writeConfig('workspace: ws\nmissions:\n  file: ./m/missions.md\n');
    const { config } = load({ file });
    expect(config.workspace).toBe(resolve(process.cwd(), 'ws'));
    expect(config.missions.file).toBe(resolve(process.cwd(), 'm/missions.md'));
    const absolute = load({ env: { ROSHI_WORKSPACE: '/scratch/ws', ROSHI_MISSIONS__FILE: '/x/m.md' } }).config;
    expect(absolute.workspace).toBe('/scratch/ws');
    expect(absolute.missions.file).toBe('/x/m.md');
  });
});

describe('other new keys', () => {
  it.each([
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
    const error = loadError({ file: writeConfig(text) }) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.key).toBe(key);
    expect(error.message).toContain(expected);
  });

  it('leave agent model and effort free, for the agent adapter to judge', () => {
    const { config } = load({ file: writeConfig('agent:\n  model: some-future-model\n  effort: extreme\n') });
    expect(config.agent.model).toBe('some-future-model');
    expect(config.agent.effort).toBe('extreme');
  });
});

describe('unreadable files', () => {
  it('give a ParseError naming the file and the line', () => {
    const file = writeConfig('log:\n  level: info\n  pretty: [never\nnats: {}\n');
    const error = loadError({ file });
    expect(error).toBeInstanceOf(ParseError);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/line \d+/);
  });

  it('report duplicate keys as a ParseError at their line', () => {
    const error = loadError({ file: writeConfig('prefix: a\nprefix: b\n') });
    expect(error).toBeInstanceOf(ParseError);
    expect(error.message).toContain('line 2');
  });

  it('give a ParseError for a missing file', () => {
    const file = join(dir, 'absent.yaml');
    const error = loadError({ file });
    expect(error).toBeInstanceOf(ParseError);
    expect(error.message).toContain(file);
  });
});

describe('stateDir', () => {
  it('"" means $XDG_STATE_HOME/roshi', () => {
    expect(load({ env: { XDG_STATE_HOME: '/xdg/state' } }).config.stateDir).toBe('/xdg/state/roshi');
  });

  it('"" without XDG_STATE_HOME means ~/.local/state/roshi', () => {
    expect(load().config.stateDir).toBe(join(homedir(), '.local', 'state', 'roshi'));
  });

  it('resolves a relative path against the working directory', () => {
    expect(load({ overrides: { stateDir: 'var/roshi' } }).config.stateDir).toBe(resolve(process.cwd(), 'var/roshi'));
    const file = writeConfig('stateDir: ./state\n');
    expect(load({ file }).config.stateDir).toBe(resolve(process.cwd(), 'state'));
  });

  it('keeps an absolute path', () => {
    const absolute = join(dir, 'state');
    mkdirSync(absolute);
    expect(load({ env: { ROSHI_STATE_DIR: absolute } }).config.stateDir).toBe(absolute);
  });
});

describe('describeSources', () => {
  it('lists the files and every key not taken from the defaults', () => {
    const file = writeConfig('prefix: other\n');
    const lines = describeSources(load({ file, env: { ROSHI_LOG__LEVEL: 'warn' } }));
    expect(lines).toEqual([
      `defaults  ${defaultConfigFile()}`,
      `file      ${file}`,
      `prefix from ${file}`,
      'log.level from env ROSHI_LOG__LEVEL',
    ]);
  });
});
