// What the webhook actor is given: the webhook secret (nobody else gets it, and it gets no GitHub
// token), its place in the tree (off by default), and on the bus only its delivery log; the
// pr-poller may read that log only in a tree that has a webhook actor.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { mayPublish, natsUsers } from '../../src/bus/permissions.js';
import { subjectsFor } from '../../src/bus/subjects.js';
import { actorEnvironment, childKindOf, type ChildKind } from '../../src/secrets/actorEnv.js';
import { configuredSecretNames } from '../../src/secrets/sources.js';
import { childNames } from '../../src/supervisor/tree.js';

const { config } = loadConfig({ env: {}, overrides: { actors: { webhook: { enabled: true } } } });
const SOURCE = { PATH: '/usr/bin', GITHUB_TOKEN: 'gh', GITHUB_WEBHOOK_SECRET: 'hook-secret' };

describe('the webhook actor’s grants', () => {
  it('is a child of the tree only when enabled', () => {
    expect(childNames(loadConfig({ env: {} }).config, false)).not.toContain('webhook');
    expect(childNames(config, false)).toContain('webhook');
    expect(childKindOf('webhook')).toBe('webhook');
  });

  it('holds the webhook secret and no GitHub token; no other kind holds the secret', () => {
    const own = actorEnvironment(config, 'webhook', SOURCE);
    expect(own.GITHUB_WEBHOOK_SECRET).toBe('hook-secret');
    expect(own.GITHUB_TOKEN).toBeUndefined();
    for (const kind of [
      'runner',
      'pr-poller',
      'bridge',
      'chat',
      'missions',
      'watchdog',
      'nats',
      'other',
    ] as ChildKind[]) {
      expect(actorEnvironment(config, kind, SOURCE).GITHUB_WEBHOOK_SECRET, kind).toBeUndefined();
    }
  });

  it('its secret is one the scrubber masks', () => {
    expect(configuredSecretNames(config).has('GITHUB_WEBHOOK_SECRET')).toBe(true);
  });

  it('may record deliveries and nothing of the missions; the pr-poller reads them only beside a webhook actor', () => {
    const s = subjectsFor('roshi');
    const withHook = natsUsers('roshi', ['watchdog', 'missions', 'pr-poller', 'webhook']);
    expect(mayPublish(withHook, 'webhook', s.githubDeliveries)).toBe(true);
    expect(mayPublish(withHook, 'webhook', s.missionsAs('add', 'webhook'))).toBe(false);
    expect(mayPublish(withHook, 'webhook', s.bridgeOut)).toBe(false);
    const poller = (users: ReturnType<typeof natsUsers>) => users.find((u) => u.user === 'pr-poller')?.streams;
    expect(poller(withHook)).toContain(s.githubDeliveriesStream);
    expect(poller(natsUsers('roshi', ['watchdog', 'pr-poller']))).not.toContain(s.githubDeliveriesStream);
  });
});
