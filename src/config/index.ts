// The configuration module's public surface. Everything else in src/config is internal.
export { describeSources, type LoadedConfig, type LoadOptions, loadConfig } from './load.js';
export { envNameFor } from './envVars.js';
export { ENTRY_DEFAULTS_SOURCE } from './layers.js';
export { UnknownConfigKeyError } from './unknownKeys.js';
export type { RoshiConfig } from './schema.js';
export { parseDuration, formatDuration, DURATION_FORMAT } from './duration.js';
