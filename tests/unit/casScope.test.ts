// The compare-and-set scope a bucket gets (docs/scale-out.md#compare-and-set-scope): `stream` only
// for a replicated bucket on a clustered server before 2.9.21; a single server decides from its
// INFO without asking for the bucket's replicas. The writes themselves: tests/integration/missionsClusterClaims.test.ts.
import { describe, expect, it } from 'vitest';
import { casScopeFor } from '../../src/bus/casScope.js';

function replicasOf(n: number) {
  const asked = { count: 0 };
  const read = async () => {
    asked.count++;
    return n;
  };
  return { asked, read };
}

describe('casScopeFor', () => {
  it('is stream for a bucket of 2 or more replicas on a cluster before 2.9.21', async () => {
    for (const version of ['2.9.10', '2.9.20']) {
      const { read } = replicasOf(3);
      expect(await casScopeFor({ cluster: 'east', version }, read)).toBe('stream');
    }
    expect(await casScopeFor({ cluster: 'east', version: '2.9.10' }, replicasOf(2).read)).toBe('stream');
  });

  it('is subject for an R1 bucket on that cluster (the per-key check holds unreplicated)', async () => {
    expect(await casScopeFor({ cluster: 'east', version: '2.9.10' }, replicasOf(1).read)).toBe('subject');
  });

  it('is subject on a server with the fix, or on its own, without asking for the replicas', async () => {
    for (const server of [
      { cluster: 'east', version: '2.9.21' },
      { cluster: 'east', version: '2.10.7' },
      { version: '2.9.10' },
    ]) {
      const { asked, read } = replicasOf(3);
      expect(await casScopeFor(server, read)).toBe('subject');
      expect(asked.count).toBe(0);
    }
  });

  it('assumes the race when a clustered server does not say its version', async () => {
    expect(await casScopeFor({ cluster: 'east' }, replicasOf(3).read)).toBe('stream');
  });
});
