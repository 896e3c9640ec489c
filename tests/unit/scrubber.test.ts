import { afterEach, describe, expect, it } from 'vitest';
import { addSecrets, configureSecrets, MASK, scrubJson, scrubText, scrubValue } from '../../src/secrets/scrubber.js';
import { loadConfig } from '../../src/config/index.js';
import { configuredSecretNames, isSecretName, secretValuesFrom } from '../../src/secrets/sources.js';

afterEach(() => configureSecrets([]));

// Built by concatenation so no literal token sits in the source (secret scanners flag those).
const GHP = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const SHAPES: Record<string, string> = {
  'GitHub classic (ghp_)': GHP,
  'GitHub OAuth (gho_)': 'gho_' + 'x'.repeat(36),
  'GitHub user-to-server (ghu_)': 'ghu_' + 'Y9'.repeat(18),
  'GitHub server-to-server (ghs_)': 'ghs_' + 'z'.repeat(36),
  'GitHub refresh (ghr_)': 'ghr_' + 'Q'.repeat(40),
  'GitHub fine-grained (github_pat_)': 'github_pat_' + '11ABCDEFG0' + '_' + 'k'.repeat(59),
  'Anthropic (sk-ant-)': 'sk-ant-api03-' + 'Ab_-'.repeat(20),
  'Slack bot (xoxb-)': 'xoxb-' + '123456789012-1234567890123-' + 'AbCdEfGhIjKlMnOpQrStUvWx',
  'Slack user (xoxp-)': 'xoxp-' + '1234-5678-9012-abcdef',
  'Slack app (xapp-)': 'xapp-1-A0123456789-1234567890123-' + 'f'.repeat(64),
  'Telegram bot token': '123456789:' + 'AAH' + 'x'.repeat(32),
  'Matrix access token (syt_)': 'syt_' + 'cm9zaGk' + '_' + 'AbCdEfGhIjKlMnOpQrSt' + '_1a2B3c',
};

describe('scrubText: token shapes', () => {
  for (const [name, token] of Object.entries(SHAPES)) {
    it(`masks a ${name} token inside ordinary text`, () => {
      const text = `error: remote said "${token}" was rejected`;
      expect(scrubText(text)).toBe(`error: remote said "${MASK}" was rejected`);
    });
  }

  it('masks every token on a line and across lines', () => {
    const text = `a=${GHP}\nb=${SHAPES['Slack bot (xoxb-)']} c=${GHP}`;
    expect(scrubText(text)).toBe(`a=${MASK}\nb=${MASK} c=${MASK}`);
  });
});

describe('scrubText: configured values', () => {
  it('masks the value of a configured secret wherever it occurs', () => {
    configureSecrets(['hunter2-but-longer']);
    expect(scrubText('password=hunter2-but-longer; again:hunter2-but-longer.')).toBe(
      `password=${MASK}; again:${MASK}.`,
    );
  });

  it('masks values with regexp metacharacters literally', () => {
    configureSecrets(['a.b*c+d?(e)[f]{g}|h\\i$^']);
    expect(scrubText('x a.b*c+d?(e)[f]{g}|h\\i$^ y')).toBe(`x ${MASK} y`);
    expect(scrubText('x aXbbbcddde y')).toBe('x aXbbbcddde y');
  });

  it('masks the whole of overlapping values: the longer one wins, none leaves a tail', () => {
    configureSecrets(['secretvalue', 'secretvalue-extended', 'value-extended-more']);
    expect(scrubText('1 secretvalue-extended 2')).toBe(`1 ${MASK} 2`);
    expect(scrubText('3 secretvalue 4')).toBe(`3 ${MASK} 4`);
    expect(scrubText('5 value-extended-more 6')).toBe(`5 ${MASK} 6`);
  });

  it('does not mask values shorter than 8 characters (no "true" or "1234" masked)', () => {
    configureSecrets(['true', '1234', 'short']);
    expect(scrubText('enabled: true, pin 1234, short text')).toBe('enabled: true, pin 1234, short text');
  });

  it('adds values learnt later without forgetting earlier ones', () => {
    configureSecrets(['first-secret-value']);
    addSecrets(['second-secret-value']);
    expect(scrubText('first-secret-value second-secret-value')).toBe(`${MASK} ${MASK}`);
  });

  it('replaces the set on a new configuration', () => {
    configureSecrets(['old-secret-value']);
    configureSecrets(['new-secret-value']);
    expect(scrubText('old-secret-value new-secret-value')).toBe(`old-secret-value ${MASK}`);
  });
});

describe('scrubText: no false positives', () => {
  const ordinary = [
    'Implemented the feature in src/app.ts; tests pass (42 passed, 0 failed).',
    'commit 3f786850e387550fdab836ed7e6dc881de23001b Author: Roshi <roshi@example.com>',
    'Time 2026-12-02T19:11:38.123Z, elapsed 12:30:45, ratio 1:2',
    'See https://github.com/acme/app/pull/42 and the ghost_town branch; sk-learn is a library.',
    'xoxo hugs, xapp is not a token, ghp is short for nothing, github_pat_ alone is a prefix',
    'matrix room !abcdef:matrix.org, event $Abc123:example.org, user @bot:example.org',
    'Slack ts 1700000000.123456 and a Telegram chat id -1001234567890',
    '{"token":"","password":null,"apiKey":"[redacted]"}',
  ];
  for (const text of ordinary) {
    it(`leaves ordinary text alone: ${text.slice(0, 40)}…`, () => {
      configureSecrets(['a-configured-secret']);
      expect(scrubText(text)).toBe(text);
    });
  }

  it('returns the same string instance when nothing matches (no copy on the hot path)', () => {
    const text = 'x'.repeat(10_000);
    expect(scrubText(text)).toBe(text);
  });
});

describe('scrubJson', () => {
  it('masks a value with quotes and backslashes in its escaped form and keeps valid JSON', () => {
    const secret = 'pa"ss\\word-1234';
    configureSecrets([secret]);
    const json = JSON.stringify({ a: `x ${secret} y`, b: [GHP], c: { d: 'plain' } });
    const scrubbed = scrubJson(json);
    expect(JSON.parse(scrubbed)).toEqual({ a: `x ${MASK} y`, b: [MASK], c: { d: 'plain' } });
  });
});

describe('scrubValue', () => {
  it('returns a deep copy with every string scrubbed and the input untouched', () => {
    configureSecrets(['deep-secret-value']);
    const input = {
      a: { b: { c: { d: { e: 'has deep-secret-value inside' } } } },
      list: [GHP, 3, null, true],
      when: new Date(0),
    };
    const output = scrubValue(input);
    expect(output).toEqual({
      a: { b: { c: { d: { e: `has ${MASK} inside` } } } },
      list: [MASK, 3, null, true],
      when: new Date(0),
    });
    expect(input.a.b.c.d.e).toBe('has deep-secret-value inside');
    expect(input.list[0]).toBe(GHP);
  });

  it('scrubs an error message and stack, and survives cycles', () => {
    const error = new Error(`bad credentials ${GHP}`);
    const copy = scrubValue(error);
    expect(copy.message).toBe(`bad credentials ${MASK}`);
    expect(copy.stack).not.toContain(GHP);
    const cyclic: Record<string, unknown> = { text: GHP };
    cyclic.self = cyclic;
    const scrubbed = scrubValue(cyclic);
    expect(scrubbed.text).toBe(MASK);
    expect(scrubbed.self).toBe(scrubbed);
  });
});

describe('secret sources', () => {
  it('recognises secret-looking names and leaves ordinary ones', () => {
    for (const name of [
      'GITHUB_TOKEN',
      'DB_PASSWORD',
      'SMTP_PASSWD',
      'OPENAI_API_KEY',
      'AWS_SECRET_ACCESS_KEY',
      'GPG_KEY',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'ROSHI_NATS__PASSWORD',
      'NATS_CREDS',
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ['PATH', 'HOME', 'LANG', 'KEYBOARD_LAYOUT', 'MONKEY_BUSINESS', 'SSH_AUTH_SOCK', 'TERM']) {
      expect(isSecretName(name), name).toBe(false);
    }
  });

  it('collects the configured token variables, secrets.env, nats credentials and agent.env secrets', () => {
    const { config } = loadConfig({
      env: {},
      overrides: {
        secrets: { env: ['MY_CUSTOM_THING'] },
        bridge: { telegram: { tokenEnv: 'TG_BOT' } },
        nats: { token: 'nats-token-value', password: 'nats-password-value' },
        agent: { env: { ANTHROPIC_API_KEY: 'agent-env-api-key', PLAIN: 'not-a-secret-value' } },
      },
    });
    const names = configuredSecretNames(config);
    expect([...names]).toEqual(
      expect.arrayContaining([
        'GITHUB_TOKEN',
        'TG_BOT',
        'SLACK_BOT_TOKEN',
        'SLACK_APP_TOKEN',
        'MATRIX_ACCESS_TOKEN',
        'MY_CUSTOM_THING',
      ]),
    );
    const values = secretValuesFrom(config, {
      GITHUB_TOKEN: 'github-token-value',
      TG_BOT: 'telegram-value-1',
      MY_CUSTOM_THING: 'custom-secret-value',
      SOME_SERVICE_TOKEN: 'by-name-value-1',
      PATH: '/usr/bin:/bin',
    });
    expect(values.sort()).toEqual(
      [
        'agent-env-api-key',
        'by-name-value-1',
        'custom-secret-value',
        'github-token-value',
        'nats-password-value',
        'nats-token-value',
        'telegram-value-1',
      ].sort(),
    );
  });
});
