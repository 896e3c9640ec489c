import { describe, expect, it } from 'vitest';
import { assessLiveness, heardNoEarlierThan, isUnhealthy, type LivenessFacts } from '../../machines/liveness.js';
import type { HeartbeatRecord } from '../../src/contracts/index.js';

const settings = { staleAfterMs: 10_000, maxLoopLagMs: 500 };

const hb = (over: Partial<HeartbeatRecord> = {}): HeartbeatRecord => ({
  actor: 'worker',
  pid: 42,
  host: 'box-1',
  bootId: 'boot-42',
  buildId: 'b1',
  state: 'running',
  seq: 7,
  uptimeMs: 60_000,
  loopLagMs: 10,
  rssBytes: 50_000_000,
  receivedAt: 1_000,
  ...over,
});

const facts = (over: Partial<LivenessFacts> = {}): LivenessFacts => ({
  now: 3_000,
  processAlive: true,
  diskBuildId: 'b1',
  ...over,
});

describe('assessLiveness', () => {
  it('healthy: fresh, alive, responsive, same build', () => {
    expect(assessLiveness(hb(), facts(), settings)).toEqual({
      actor: 'worker',
      verdict: 'healthy',
      pid: 42,
      bootId: 'boot-42',
      evidence: 'heartbeat 2.0 s ago',
      at: 3_000,
    });
  });

  it('dead beats stale, hung and drift', () => {
    const v = assessLiveness(
      hb({ loopLagMs: 9_000 }),
      facts({ now: 50_000, processAlive: false, diskBuildId: 'b2' }),
      settings,
    );
    expect(v.verdict).toBe('dead');
    expect(v.evidence).toBe('process 42 is gone');
    expect(v.at).toBe(50_000);
  });

  it('stale beats hung and drift, and only after staleAfterMs has passed', () => {
    const worse = { loopLagMs: 9_000 };
    expect(assessLiveness(hb(worse), facts({ now: 11_001, diskBuildId: 'b2' }), settings)).toMatchObject({
      verdict: 'stale',
      evidence: 'no heartbeat for 10.0 s',
    });
    // Exactly staleAfterMs old is not stale yet: the lag is what is wrong.
    expect(assessLiveness(hb(worse), facts({ now: 11_000, diskBuildId: 'b2' }), settings).verdict).toBe('hung');
  });

  it('hung beats drift, and only above maxLoopLagMs', () => {
    expect(assessLiveness(hb({ loopLagMs: 501 }), facts({ diskBuildId: 'b2' }), settings)).toMatchObject({
      verdict: 'hung',
      evidence: 'event loop lagged 0.5 s',
    });
    expect(assessLiveness(hb({ loopLagMs: 500 }), facts({ diskBuildId: 'b2' }), settings).verdict).toBe('drift');
  });

  it('drift when the disk holds another build; unknown disk build is not drift', () => {
    expect(assessLiveness(hb(), facts({ diskBuildId: 'b2' }), settings)).toMatchObject({
      verdict: 'drift',
      evidence: 'runs build b1, disk has b2',
    });
    expect(assessLiveness(hb(), facts({ diskBuildId: undefined }), settings).verdict).toBe('healthy');
  });

  it('on another host (liveness unknown) it is never dead, but can still be stale', () => {
    expect(assessLiveness(hb(), facts({ processAlive: undefined }), settings).verdict).toBe('healthy');
    expect(assessLiveness(hb(), facts({ processAlive: undefined, now: 20_000 }), settings)).toMatchObject({
      verdict: 'stale',
      evidence: 'no heartbeat for 19.0 s',
    });
  });
});

describe('heardNoEarlierThan (a judge that could not hear before `since`)', () => {
  it('does not count silence from before the judge could hear as staleness', () => {
    const old = hb({ receivedAt: 1_000 });
    const now = facts({ now: 30_000 });
    expect(assessLiveness(old, now, settings).verdict).toBe('stale');
    expect(assessLiveness(heardNoEarlierThan(old, 25_000), now, settings).verdict).toBe('healthy');
  });

  it('still finds a frozen actor, staleAfter after the judge could hear again', () => {
    const credited = heardNoEarlierThan(hb({ receivedAt: 1_000 }), 25_000);
    expect(assessLiveness(credited, facts({ now: 36_000 }), settings).verdict).toBe('stale');
  });

  it('leaves a heartbeat heard since then as it is', () => {
    const fresh = hb({ receivedAt: 26_000 });
    expect(heardNoEarlierThan(fresh, 25_000)).toBe(fresh);
  });
});

describe('isUnhealthy', () => {
  it('stale, dead and hung are unhealthy; drift and healthy are not', () => {
    for (const kind of ['stale', 'dead', 'hung'] as const) expect(isUnhealthy(kind), kind).toBe(true);
    for (const kind of ['drift', 'healthy'] as const) expect(isUnhealthy(kind), kind).toBe(false);
  });
});
