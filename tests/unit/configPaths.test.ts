// What loadConfig resolves after validation (stateDir, workspace, missions.file), unreadable
// files, and describeSources for `roshi config check` (docs/configuration.md#checking).
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSources } from '../../src/config/index.js';
import { ParseError } from '../../src/errors.js';
import { defaultConfigFile } from '../../src/paths.js';
import { load, loadError, useConfigDir } from '../harness/configFiles.js';

const { dir, writeConfig } = useConfigDir();

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

describe('agent model and effort', () => {
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
    const file = join(dir(), 'absent.yaml');
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
    const absolute = join(dir(), 'state');
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
