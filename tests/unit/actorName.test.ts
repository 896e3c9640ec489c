// Actor names: a single host's names as they always were, a host's names qualified by its id,
// and what each says (its host and kind). docs/scale-out.md#hosts-and-names
import { describe, expect, it } from 'vitest';
import { actorName, isOnHost, isRunnerName, parseActorName } from '../../src/contracts/index.js';

describe('actor names', () => {
  it('leaves a single-host name as it is', () => {
    expect(actorName('', 'runner-2')).toBe('runner-2');
    expect(parseActorName('runner-2')).toEqual({ host: '', local: 'runner-2', kind: 'runner' });
    expect(parseActorName('pr-poller')).toEqual({ host: '', local: 'pr-poller', kind: 'pr-poller' });
  });

  it('qualifies a name with its host id and reads both back', () => {
    expect(actorName('h2', 'runner-1')).toBe('h2-runner-1');
    expect(parseActorName('h2-runner-1')).toEqual({ host: 'h2', local: 'runner-1', kind: 'runner' });
    expect(parseActorName('h2-pr-poller')).toEqual({ host: 'h2', local: 'pr-poller', kind: 'pr-poller' });
    expect(parseActorName('pr-pr-poller')).toEqual({ host: 'pr', local: 'pr-poller', kind: 'pr-poller' });
    expect(parseActorName('web-watchdog')).toEqual({ host: 'web', local: 'watchdog', kind: 'watchdog' });
  });

  it('knows runners and hosts, and refuses names roshi never gives', () => {
    expect(isRunnerName('runner-10')).toBe(true);
    expect(isRunnerName('h1-runner-3')).toBe(true);
    expect(isRunnerName('runner')).toBe(false);
    expect(isRunnerName('missions')).toBe(false);
    expect(isOnHost('h1-missions', 'h1')).toBe(true);
    expect(isOnHost('h1-missions', '')).toBe(false);
    expect(isOnHost('missions', '')).toBe(true);
    for (const bad of ['nats', 'H1-runner-1', 'h1-', 'h1-runner', 'a-b-runner-1', '1h-web', 'x'.repeat(17) + '-web']) {
      expect(parseActorName(bad), bad).toBeUndefined();
    }
  });
});
