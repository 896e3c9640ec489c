import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, redactSecretKeys } from '../../src/log.js';
import { configureSecrets, MASK } from '../../src/secrets/scrubber.js';

const GHP = 'ghp_' + 'Z'.repeat(36);
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-log-'));
});
afterEach(() => {
  configureSecrets([]);
  rmSync(dir, { recursive: true, force: true });
});

/** Logs through a real logger into a file (and stderr) and returns the parsed lines. */
function logLines(write: (logger: ReturnType<typeof createLogger>) => void): Array<Record<string, unknown>> {
  const file = join(dir, 'test.log');
  const logger = createLogger({ level: 'trace', pretty: false, file });
  write(logger);
  logger.flush();
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('log redaction', () => {
  it('redacts secret-named keys at depth 5 (pino path redaction stops at 3)', () => {
    const [line] = logLines((logger) =>
      logger.info(
        {
          a: {
            b: {
              c: { d: { password: 'deep-secret-1', apiKey: 'deep-secret-2', token: 'deep-secret-3', name: 'kept' } },
            },
          },
        },
        'nested',
      ),
    );
    const d = (((line?.a as Record<string, unknown>).b as Record<string, unknown>).c as Record<string, unknown>)
      .d as Record<string, unknown>;
    expect(d).toEqual({ password: MASK, apiKey: MASK, token: MASK, name: 'kept' });
    expect(JSON.stringify(line)).not.toMatch(/deep-secret/);
  });

  it('redacts secret keys in child bindings and arrays, keeps variable names and token counts', () => {
    const [line] = logLines((logger) =>
      logger
        .child({ auth: { clientSecret: 'binding-secret' } })
        .info({ list: [{ x: [{ accessToken: 'array-secret' }] }], tokenEnv: 'GITHUB_TOKEN', outputTokens: 812 }, 'm'),
    );
    const text = JSON.stringify(line);
    expect(text).not.toMatch(/binding-secret|array-secret/);
    expect(line?.tokenEnv).toBe('GITHUB_TOKEN');
    expect(line?.outputTokens).toBe(812);
  });

  it('masks configured values and token shapes in messages, values and error stacks', () => {
    configureSecrets(['configured-secret-value']);
    const lines = logLines((logger) => {
      logger.warn(`agent said ${GHP}`);
      logger.info({ stderrTail: 'fatal: configured-secret-value rejected' }, 'run failed');
      logger.error({ err: new Error(`push failed with ${GHP}`) }, 'push');
    });
    const text = lines.map((line) => JSON.stringify(line)).join('\n');
    expect(text).not.toContain(GHP);
    expect(text).not.toContain('configured-secret-value');
    expect(lines[0]?.msg).toBe(`agent said ${MASK}`);
    expect(lines[1]?.stderrTail).toBe(`fatal: ${MASK} rejected`);
    expect((lines[2]?.err as { message: string }).message).toBe(`push failed with ${MASK}`);
  });

  it('copies only what it changes', () => {
    const clean = { a: { b: [1, 'two'] } };
    expect(redactSecretKeys(clean)).toBe(clean);
    const dirty = { a: { token: 'x-secret-value' }, b: { c: 1 } };
    const out = redactSecretKeys(dirty);
    expect(out).not.toBe(dirty);
    expect(out.b).toBe(dirty.b);
    expect(dirty.a.token).toBe('x-secret-value');
  });
});
