// For the tests/unit/config*.test.ts files: a scratch directory per test to write config files
// in, and loadConfig with an empty environment so the runner's own ROSHI_* variables never leak in.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { loadConfig, type LoadOptions } from '../../src/config/index.js';

/** Registers a fresh directory per test of the calling file; `dir()` is the current test's. */
export function useConfigDir(): {
  dir: () => string;
  writeConfig: (text: string, name?: string) => string;
  /** The message loadConfig refuses `text`, written as the config file, with. */
  refusal: (text: string) => string;
} {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roshi-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const writeConfig = (text: string, name = 'roshi.yaml') => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  return {
    dir: () => dir,
    writeConfig,
    refusal: (text) => loadError({ file: writeConfig(text) }).message,
  };
}

/** loadConfig with an empty environment unless one is given. */
export function load(options: LoadOptions = {}) {
  return loadConfig({ env: {}, ...options });
}

/** The error loadConfig throws for `options`, for asserting on its fields and message. */
export function loadError(options: LoadOptions): Error {
  try {
    load(options);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected loadConfig to throw');
}
