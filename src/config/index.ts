// The configuration module's public surface. Everything else in src/config is internal.
export { loadConfig, describeSources, envNameFor, UnknownConfigKeyError, ENTRY_DEFAULTS_SOURCE } from './load.js';
export type { LoadOptions, LoadedConfig } from './load.js';
export type { RoshiConfig } from './schema.js';
export { parseDuration, formatDuration, DURATION_FORMAT } from './duration.js';
