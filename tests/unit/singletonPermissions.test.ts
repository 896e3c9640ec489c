// The lease buckets in the permissions table (src/bus/permissions.ts): on a multi-host system
// each singleton's user may use its own kind's lease bucket (a bridge: each chat provider's) and
// no other; on a single host no one gets one (docs/scale-out.md#singleton-leases).
import { describe, expect, it } from 'vitest';
import { mayPublish, natsUsers } from '../../src/bus/permissions.js';

const hosted = natsUsers('roshi', [
  'h1-watchdog',
  'h1-missions',
  'h1-bridge',
  'h1-chat',
  'h1-runner-1',
  'h1-pr-poller',
  'h1-webhook',
  'h1-web',
  'h2-watchdog',
  'h2-missions',
  'h2-bridge',
  'h2-runner-1',
]);

describe('lease buckets', () => {
  it.each(['h1-missions', 'h2-missions', 'h1-pr-poller', 'h1-webhook'])(
    '%s may read and write its kind lease, and no other kind',
    (user) => {
      const kind = user.replace(/^h\d-/, '');
      expect(mayPublish(hosted, user, `$KV.roshi_lease_${kind}.holder`)).toBe(true);
      expect(mayPublish(hosted, user, `$JS.API.STREAM.INFO.KV_roshi_lease_${kind}`)).toBe(true);
      expect(mayPublish(hosted, user, `$JS.API.DIRECT.GET.KV_roshi_lease_${kind}.$KV.roshi_lease_${kind}.holder`)).toBe(
        true,
      );
      const other = kind === 'missions' ? 'webhook' : 'missions';
      expect(mayPublish(hosted, user, `$KV.roshi_lease_${other}.holder`)).toBe(false);
      expect(mayPublish(hosted, user, '$KV.roshi_lease_bridge-console.holder')).toBe(false);
    },
  );

  it.each(['h1-bridge', 'h2-bridge'])('%s may use the lease of every chat provider, and no other lease', (user) => {
    for (const provider of ['console', 'telegram', 'slack', 'matrix', 'discord']) {
      const bucket = `roshi_lease_bridge-${provider}`;
      expect(mayPublish(hosted, user, `$KV.${bucket}.holder`)).toBe(true);
      expect(mayPublish(hosted, user, `$JS.API.STREAM.INFO.KV_${bucket}`)).toBe(true);
      expect(mayPublish(hosted, user, `$JS.API.DIRECT.GET.KV_${bucket}.$KV.${bucket}.holder`)).toBe(true);
    }
    for (const kind of ['missions', 'bridge', 'pr-poller', 'webhook']) {
      expect(mayPublish(hosted, user, `$KV.roshi_lease_${kind}.holder`)).toBe(false);
    }
  });

  it.each(['h1-chat', 'h1-runner-1', 'h1-web', 'h1-watchdog', 'h1-supervisor'])('%s takes no lease', (user) => {
    for (const kind of ['missions', 'bridge-console', 'bridge-telegram', 'pr-poller', 'webhook']) {
      expect(mayPublish(hosted, user, `$KV.roshi_lease_${kind}.holder`)).toBe(false);
    }
  });

  it('a single host gives no one a lease bucket', () => {
    const single = natsUsers('roshi', ['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'pr-poller', 'webhook']);
    expect(single.flatMap((u) => u.streams).filter((s) => s.includes('_lease_'))).toEqual([]);
  });
});
