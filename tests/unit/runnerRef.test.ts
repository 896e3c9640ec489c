// What /abort accepts for a runner: a full name, a number, or host and number; a number two
// hosts share is asked about, not guessed. src/bridge/runnerRef.ts
import { describe, expect, it } from 'vitest';
import { resolveRunnerRef } from '../../src/bridge/runnerRef.js';

describe('a runner named in /abort', () => {
  const oneHost = ['runner-1', 'runner-2'];
  const twoHosts = ['h1-runner-1', 'h1-runner-2', 'h2-runner-1', 'h2-runner-3'];

  it('is found by its full name or its number on one host', () => {
    expect(resolveRunnerRef('runner-2', oneHost)).toEqual({ runner: 'runner-2' });
    expect(resolveRunnerRef('2', oneHost)).toEqual({ runner: 'runner-2' });
  });

  it('is found by its number when only one host has it, or by host and number', () => {
    expect(resolveRunnerRef('3', twoHosts)).toEqual({ runner: 'h2-runner-3' });
    expect(resolveRunnerRef('h2-1', twoHosts)).toEqual({ runner: 'h2-runner-1' });
    expect(resolveRunnerRef('h1-runner-2', twoHosts)).toEqual({ runner: 'h1-runner-2' });
  });

  it('is asked about when several hosts have that number', () => {
    expect(resolveRunnerRef('1', twoHosts)).toEqual({ ambiguous: ['h1-runner-1', 'h2-runner-1'] });
  });

  it('is unknown when no runner has that name or number', () => {
    expect(resolveRunnerRef('9', twoHosts)).toEqual({ unknown: '9' });
    expect(resolveRunnerRef('h3-1', twoHosts)).toEqual({ unknown: 'h3-1' });
    expect(resolveRunnerRef('missions', oneHost)).toEqual({ unknown: 'missions' });
  });
});
