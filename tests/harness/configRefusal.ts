// The config tests' common check: loading fails with a ConfigError that blames one key.
import { expect } from 'vitest';
import type { LoadOptions } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { loadError } from './configFiles.js';

/** Loading with `options` throws a ConfigError whose key is `key`; returns it for further checks. */
export function expectRefused(options: LoadOptions, key: string): ConfigError {
  const error = loadError(options);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).key).toBe(key);
  return error as ConfigError;
}
