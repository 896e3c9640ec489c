// loadConfig's layers: the defaults, a user file, ROSHI_* variables and CLI overrides, each
// winning over the one before (docs/configuration.md#layers). Errors: configValidation.test.ts.
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { envNameFor, type RoshiConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { defaultConfigFile, packageRoot } from '../../src/paths.js';
import { load, loadError, useConfigDir } from '../harness/configFiles.js';

const { writeConfig } = useConfigDir();

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
      stall: {
        repeatedCall: 5,
        repeatedError: 5,
        noProgress: 900_000,
        noProgressTurns: 10,
        turnsWithoutEdits: 0.8,
        checkInterval: 5_000,
        nudge: true,
        graceTurns: 3,
        stopGrace: 30_000,
      },
    });
    expect(config.missions).toEqual({
      maxAttempts: 3,
      maxTransientAttempts: 6,
      lease: 30_000,
      leaseRenew: 10_000,
      retryBackoff: { initial: 30_000, max: 1_800_000 },
      keepDone: 20,
      keepFailed: 20,
      keepFinished: 30 * 86_400_000,
      keepFinishedMax: 10_000,
      keepIntake: 7 * 86_400_000,
      archiveInterval: 3_600_000,
      file: join(config.stateDir, 'missions.md'),
      maxTextLength: 8000,
      approval: { free: 'none', rebase: 'none', ci_check: 'none', review: 'none', implement: 'none', fix: 'none' },
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
    type Gate = { mode: 'off' | 'warn' | 'strict'; commands: string[]; onFail: 'block' | 'draft' };
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
          approval: '' | 'none' | 'push' | 'merge';
        }
      >
    >();
  });

  it('include config/example.yaml, which loads as it is', () => {
    const { config } = load({ file: join(packageRoot(), 'config', 'example.yaml') });
    expect(Object.keys(config.projects)).toEqual(['webapp', 'docs-site']);
    expect(config.defaultProject).toBe('webapp');
    expect(config.projects.webapp?.qualityGate).toEqual({
      mode: 'strict',
      commands: ['npm ci', 'npm test'],
      onFail: 'block',
    });
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
