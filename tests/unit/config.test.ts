import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { describeSources, envNameFor, loadConfig, type LoadOptions, type RoshiConfig } from '../../src/config/index.js';
import { ConfigError, ParseError } from '../../src/errors.js';
import { defaultConfigFile } from '../../src/paths.js';

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
    expect(config.inspect.enabled).toBe(true);
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
    const file = writeConfig('nats:\n  url: "nats://a:4222, tls://b:4222,wss://c/ws"\n');
    expect(load({ file }).config.nats.url).toBe('nats://a:4222, tls://b:4222,wss://c/ws');
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
    const { config } = load({ env: { ROSHI_NATS__TOKEN: '12345', ROSHI_NATS__PASSWORD: 'pa ss #word: x', ROSHI_NATS__URL: 'nats://h:4222' } });
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
    expect(loadError({ env: { ROSHI_NATS: 'x' } }).message).toContain('environment variable ROSHI_NATS is not a config key');
  });

  it('ignores ROSHI_ variables that are process plumbing, and other variables', () => {
    expect(() => load({ env: { ROSHI_TEST_RUN: '1', ROSHI_FAULTS: 'chat:crash-on-start', ROSHI_LIFELINE: '3', HOME: '/x' } })).not.toThrow();
  });

  it('has a variable for every key', () => {
    expect(envNameFor('stateDir')).toBe('ROSHI_STATE_DIR');
    expect(envNameFor('nats.tls.caFile')).toBe('ROSHI_NATS__TLS__CA_FILE');
    expect(envNameFor('supervision.maxTier3Failures')).toBe('ROSHI_SUPERVISION__MAX_TIER3_FAILURES');
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
    expect(loadError({ file: writeConfig('heartbeatInterval: 1s\n') }).message).toContain('did you mean heartbeat.interval?');
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
    expect(error.message).toBe(`config: nats.embedded.port (from ${file}) is number 70000; expected an integer from 0 to 65535`);
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
    ['nats:\n  url: http://h:4222\n', 'nats.url', 'nats://, tls://, ws:// or wss://'],
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
    expect(lines).toEqual([`defaults  ${defaultConfigFile()}`, `file      ${file}`, `prefix from ${file}`, 'log.level from env ROSHI_LOG__LEVEL']);
  });
});
