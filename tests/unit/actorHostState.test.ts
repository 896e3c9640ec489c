// The actor host's lifecycle phases: which moves are allowed, and that a refused move changes nothing.
import { describe, expect, it } from 'vitest';
import { HostState, type HostPhase } from '../../src/actors/hostState.js';

const at = (...path: HostPhase[]): HostState => {
  const state = new HostState();
  for (const phase of path) expect(state.advance(phase)).toBe(true);
  return state;
};

describe('HostState', () => {
  it('starts in starting and runs, drains and stops in that order', () => {
    const state = new HostState();
    expect(state.phase).toBe('starting');
    expect(state.advance('running')).toBe(true);
    expect(state.advance('draining')).toBe(true);
    expect(state.advance('stopped')).toBe(true);
    expect(state.phase).toBe('stopped');
  });

  it('can drain before it ever ran, and then stays draining when start completes', () => {
    const state = at('draining');
    expect(state.advance('running')).toBe(false);
    expect(state.phase).toBe('draining');
  });

  it('drains once: a second drain is refused', () => {
    const state = at('running', 'draining');
    expect(state.advance('draining')).toBe(false);
    expect(state.phase).toBe('draining');
  });

  it('stops once, and nothing leaves stopped', () => {
    const state = at('running', 'draining', 'stopped');
    for (const phase of ['starting', 'running', 'draining', 'stopped'] as const)
      expect(state.advance(phase)).toBe(false);
    expect(state.phase).toBe('stopped');
  });

  it('refuses to skip the drain or go back to starting', () => {
    expect(new HostState().advance('stopped')).toBe(false);
    expect(at('running').advance('stopped')).toBe(false);
    expect(at('running').advance('starting')).toBe(false);
  });
});
