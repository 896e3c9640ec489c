// Dispatch is open only when neither the operator's pause nor the API's hold says wait; what
// /status and the chat show is the one that ends last, the operator's when open-ended.
import { describe, expect, it } from 'vitest';
import { dispatchGate, effectivePause, type DispatchHold } from '../../src/missions/dispatchHold.js';
import type { PauseRecord } from '../../src/missions/pause.js';
import { pauseLine } from '../../src/bridge/format.js';

const NOW = 1_000_000;
const hold = (until: number): DispatchHold => ({ until, reason: 'rate limited (HTTP 429)', by: 'runner-2', at: NOW });
const pause = (over: Partial<PauseRecord> = {}): PauseRecord => ({ paused: true, by: 'ana', at: NOW - 5, ...over });

describe('dispatchGate', () => {
  it.each([
    ['nothing', undefined, undefined, { paused: false }],
    ['a hold that ended', undefined, hold(NOW), { paused: false }],
    ['a pause that ended', pause({ until: NOW - 1 }), undefined, { paused: false }],
    ['a resumed pause', pause({ paused: false }), undefined, { paused: false }],
    ['a hold', undefined, hold(NOW + 30_000), { paused: true, until: NOW + 30_000 }],
    ['an open-ended pause and a hold', pause(), hold(NOW + 30_000), { paused: true }],
    [
      'a short pause and a longer hold',
      pause({ until: NOW + 10_000 }),
      hold(NOW + 30_000),
      { paused: true, until: NOW + 30_000 },
    ],
    [
      'a long pause and a shorter hold',
      pause({ until: NOW + 90_000 }),
      hold(NOW + 30_000),
      { paused: true, until: NOW + 90_000 },
    ],
  ] as const)('%s', (_, p, h, expected) => {
    expect(dispatchGate(p, h, NOW)).toEqual(expected);
  });
});

describe('effectivePause (what /status and the chat show)', () => {
  it('an active hold shows as a timed pause by its runner, with what the API said', () => {
    expect(effectivePause(undefined, hold(NOW + 30_000), NOW)).toEqual({
      paused: true,
      until: NOW + 30_000,
      by: 'runner-2',
      reason: 'rate limited (HTTP 429)',
      at: NOW,
    });
  });

  it("the operator's pause wins when it is open-ended or lasts longer; an ended hold is not shown", () => {
    expect(effectivePause(pause(), hold(NOW + 30_000), NOW)).toEqual(pause());
    expect(effectivePause(pause({ until: NOW + 90_000 }), hold(NOW + 30_000), NOW)?.by).toBe('ana');
    expect(effectivePause(pause({ paused: false }), hold(NOW - 1), NOW)).toEqual(pause({ paused: false }));
  });
});

describe('the /status dispatch line', () => {
  it('names the runner the API told to wait, and what it said', () => {
    const line = pauseLine(effectivePause(undefined, hold(NOW + 30_000), NOW), NOW);
    expect(line).toMatch(/^dispatch: ⏸ paused until .+ \(by runner-2: rate limited \(HTTP 429\)\)$/);
  });
});
