// The drain rules (docs/scale-out.md#add-and-drain-a-host): one key per host, one validator of
// the record, a drained host's gate holds every claim whatever else says, and a runner counts as
// idle for the drain only once it has seen the mark and holds no mission.
import { describe, expect, it } from 'vitest';
import {
  drainKey,
  drainText,
  hostOfDrainKey,
  idleForDrain,
  toDrainRecord,
  toRunnerDrainReply,
} from '../../src/contracts/drain.js';
import { dispatchGate } from '../../src/missions/dispatchHold.js';
import { drainLines } from '../../src/cli/drainStatus.js';

const NOW = 1_000_000;

describe('drain keys', () => {
  it('one key per host, the single host under a name no host id can take', () => {
    expect(drainKey('h2')).toBe('drain.h2');
    expect(drainKey('')).toBe('drain._');
    expect(hostOfDrainKey('drain.h2')).toBe('h2');
    expect(hostOfDrainKey('drain._')).toBe('');
    expect(hostOfDrainKey('dispatch.pause')).toBeUndefined();
    expect(hostOfDrainKey('drain.H2')).toBeUndefined();
  });
});

describe('toDrainRecord', () => {
  const good = { host: 'h2', state: 'draining', by: 'ana', at: NOW, reason: 'kernel update' };
  it('reads a record, keeping only what it defines', () => {
    expect(toDrainRecord({ ...good, extra: 1 })).toEqual(good);
    expect(toDrainRecord({ ...good, state: 'left', leftAt: NOW + 5 })).toEqual({
      ...good,
      state: 'left',
      leftAt: NOW + 5,
    });
    expect(toDrainRecord({ ...good, host: '' })).toEqual({ ...good, host: '' });
  });
  it.each([
    ['not an object', 'draining'],
    ['null', null],
    ['a bad host id', { ...good, host: 'H 2' }],
    ['an unknown state', { ...good, state: 'gone' }],
    ['no asker', { ...good, by: undefined }],
    ['no time', { ...good, at: 'yesterday' }],
    ['a reason that is not text', { ...good, reason: 3 }],
    ['a leaving time that is not a number', { ...good, leftAt: 'now' }],
  ])('refuses %s', (_, value) => {
    expect(toDrainRecord(value)).toBeUndefined();
  });
  it('says who, when and why in one line', () => {
    expect(drainText({ host: 'h2', state: 'draining', by: 'ana', at: 0, reason: 'disk' })).toBe(
      'host h2 draining since 1970-01-01T00:00:00.000Z by ana (disk): its runners finish their missions and claim no more',
    );
    expect(drainText({ host: '', state: 'left', by: 'ana', at: 0, leftAt: 1000 })).toMatch(
      /^this host drained by ana: left at 1970-01-01T00:00:01\.000Z; its runners claim nothing until the drain is undone$/,
    );
  });
});

describe('the dispatch gate of a drained host', () => {
  it('holds every claim, open-ended, whatever the pause and holds say', () => {
    expect(dispatchGate(undefined, undefined, NOW, undefined, true)).toEqual({ paused: true });
    expect(dispatchGate({ paused: false }, undefined, NOW, undefined, true)).toEqual({ paused: true });
    expect(dispatchGate({ paused: true, until: NOW + 5_000 }, undefined, NOW, undefined, true)).toEqual({
      paused: true,
    });
    expect(dispatchGate(undefined, undefined, NOW, undefined, false)).toEqual({ paused: false });
  });
});

describe('idleForDrain', () => {
  it.each([
    [{ drainSeen: true, state: 'paused', mission: null }, true],
    [{ drainSeen: true, state: 'breakerOpen', mission: null }, true],
    [{ drainSeen: true, state: 'drained', mission: null }, true],
    // Paused by the operator, but the mark not seen yet: a resume could still let it claim.
    [{ drainSeen: false, state: 'paused', mission: null }, false],
    [{ drainSeen: true, state: 'busy', mission: 'm-1' }, false],
    [{ drainSeen: true, state: 'claiming', mission: null }, false],
    [{ drainSeen: true, state: 'idle', mission: null }, false],
  ])('%j → %s', (reply, idle) => {
    expect(idleForDrain(reply)).toBe(idle);
  });
  it('reads a reply, and refuses one that is not', () => {
    expect(toRunnerDrainReply({ drainSeen: true, state: 'paused', mission: null })).toEqual({
      drainSeen: true,
      state: 'paused',
      mission: null,
    });
    expect(toRunnerDrainReply({ drainSeen: 'yes', state: 'paused', mission: null })).toBeUndefined();
    expect(toRunnerDrainReply({ drainSeen: true, state: 'paused', mission: 4 })).toBeUndefined();
    expect(toRunnerDrainReply(undefined)).toBeUndefined();
  });
});

describe('what status shows', () => {
  it('one drain line per drained host', () => {
    expect(
      drainLines([
        { host: 'h2', state: 'draining', by: 'ana', at: 0 },
        { host: 'h3', state: 'left', by: 'bo', at: 0, leftAt: 0 },
      ]),
    ).toEqual([
      'drain      host h2 draining since 1970-01-01T00:00:00.000Z by ana: its runners finish their missions and claim no more',
      'drain      host h3 drained by bo: left at 1970-01-01T00:00:00.000Z; its runners claim nothing until the drain is undone',
    ]);
  });
});
