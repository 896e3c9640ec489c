// The Claude CLI command line built from a request: nothing invalid, prompt never in it.
import { mkdtempSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildClaudeArgs } from '../../src/adapters/agent/claudeArgs.js';
import { findExecutable } from '../../src/adapters/agent/executable.js';

/** What every command line starts with: print mode streaming JSON events, verbose (stream-json needs it). */
const PRINT_MODE = ['--print', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'];

describe('buildClaudeArgs', () => {
  it('builds print mode with stream-json, model, fallback, effort, turns and tools last', () => {
    expect(
      buildClaudeArgs({
        model: 'claude-sonnet-4-5',
        fallbackModel: 'haiku',
        effort: 'xhigh',
        maxTurns: 40,
        allowedTools: ['Write', 'Edit', 'Bash(git *)'],
      }),
    ).toEqual([
      ...PRINT_MODE,
      '--max-turns',
      '40',
      '--model',
      'claude-sonnet-4-5',
      '--fallback-model',
      'haiku',
      '--effort',
      'xhigh',
      '--allowedTools',
      'Write',
      'Edit',
      'Bash(git *)',
    ]);
  });

  it('drops invalid or empty values instead of passing them', () => {
    const args = buildClaudeArgs({
      model: 'gpt-4o',
      fallbackModel: ' ',
      effort: 'ultra',
      maxTurns: 3,
      allowedTools: ['', '--dangerously-skip-permissions', 'Read'],
    });
    expect(args).toEqual([...PRINT_MODE, '--max-turns', '3', '--allowedTools', 'Read']);
    expect(buildClaudeArgs({ maxTurns: 1, allowedTools: [] })).not.toContain('--allowedTools');
  });
});

describe('findExecutable', () => {
  it('finds a command in PATH or by path, only when executable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roshi-exe-'));
    try {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'agent'), '#!/bin/sh\n');
      chmodSync(join(bin, 'agent'), 0o755);
      writeFileSync(join(bin, 'plain'), 'not executable');
      expect(findExecutable('agent', `/nonexistent:${bin}`)).toBe(join(bin, 'agent'));
      expect(findExecutable('plain', bin)).toBeUndefined();
      expect(findExecutable('bin', dir)).toBeUndefined(); // a directory
      expect(findExecutable('agent', undefined)).toBeUndefined();
      expect(findExecutable(join(bin, 'agent'), undefined)).toBe(join(bin, 'agent'));
      expect(findExecutable('./bin/agent', undefined, dir)).toBe(join(bin, 'agent'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('buildClaudeArgs: the tool set, extra read dirs and refused tools', () => {
  it('gives --tools as one comma list, then --add-dir, --disallowedTools and --allowedTools last', () => {
    expect(
      buildClaudeArgs({
        maxTurns: 3,
        tools: ['Read', 'Grep'],
        addDirs: ['/srv/app', 'relative/dir', ''],
        disallowedTools: ['WebFetch', '-x'],
        allowedTools: [],
      }),
    ).toEqual([
      ...PRINT_MODE,
      '--max-turns',
      '3',
      '--tools',
      'Read,Grep',
      '--add-dir',
      '/srv/app',
      '--disallowedTools',
      'WebFetch',
    ]);
  });

  it('an empty tool set is --tools "" (no tools), not the default set', () => {
    expect(buildClaudeArgs({ maxTurns: 1, tools: [], allowedTools: [] }).slice(-2)).toEqual(['--tools', '']);
  });
});
