// Loading the configuration: config/default.yaml, then the user file, then ROSHI_* variables,
// then CLI overrides, merged key by key (later wins; ./layers.ts) and validated as a whole
// (./buildConfig.ts). Each leaf remembers which layer set it, so an error names the file or
// variable to fix. docs/configuration.md#layers
import { join, resolve } from 'node:path';
import { defaultConfigFile, defaultStateDir } from '../paths.js';
import { buildConfig } from './buildConfig.js';
import { ENTRY_DEFAULTS_SOURCE, emptyLayers, mergeEnv, mergeOverrides, mergeTree } from './layers.js';
import { readYamlFile } from './readYaml.js';
import { configSchema, type RoshiConfig } from './schema.js';

export interface LoadOptions {
  /** A user config file; when absent, $ROSHI_CONFIG names it (if set). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flat map from dotted key to value, e.g. { stateDir: '/tmp/x' }; undefined values are skipped. */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: RoshiConfig;
  /** The files read, defaults first. */
  files: string[];
  /**
   * Dotted leaf key → where its value came from: a file path, "env ROSHI_…", "overrides", or
   * ENTRY_DEFAULTS_SOURCE for a record entry's key that no layer set.
   */
  sources: Record<string, string>;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const userFile = options.file ?? (env.ROSHI_CONFIG || undefined);
  const files = [defaultConfigFile(), ...(userFile ? [resolve(userFile)] : [])];

  const layers = emptyLayers();
  for (const file of files) mergeTree(layers, readYamlFile(file), '', configSchema, file);
  mergeEnv(layers, env);
  mergeOverrides(layers, options.overrides ?? {});

  const config = buildConfig(layers);
  resolveDerived(config, env);

  const sources: Record<string, string> = {};
  for (const [key, setting] of layers.settings) sources[key] = setting.source;
  for (const key of layers.defaulted) sources[key] = ENTRY_DEFAULTS_SOURCE;
  return { config, files, sources };
}

/**
 * Turns the documented "" shorthands into what they stand for, once here so every process
 * (and children spawned in another directory) agrees. Relative paths are taken from the
 * directory roshi was started in.
 */
function resolveDerived(config: RoshiConfig, env: NodeJS.ProcessEnv): void {
  const cwd = process.cwd();
  config.stateDir = config.stateDir === '' ? defaultStateDir(env) : resolve(cwd, config.stateDir);
  config.workspace = config.workspace === '' ? join(config.stateDir, 'workspace') : resolve(cwd, config.workspace);
  config.missions.file =
    config.missions.file === '' ? join(config.stateDir, 'missions.md') : resolve(cwd, config.missions.file);
  for (const project of Object.values(config.projects)) {
    if (project.path !== '') project.path = resolve(cwd, project.path);
    if (project.pushRemote === '') project.pushRemote = project.remote;
  }
  const names = Object.keys(config.projects);
  if (config.defaultProject === '' && names.length === 1) config.defaultProject = names[0] ?? '';
}

/** For `roshi config check`: the files read, then every key not taken from the defaults. */
export function describeSources(loaded: LoadedConfig): string[] {
  const [defaults, ...userFiles] = loaded.files;
  const lines = [`defaults  ${defaults ?? '(none)'}`, ...userFiles.map((file) => `file      ${file}`)];
  for (const [key, source] of Object.entries(loaded.sources)) {
    if (source !== defaults && source !== ENTRY_DEFAULTS_SOURCE) lines.push(`${key} from ${source}`);
  }
  return lines;
}
