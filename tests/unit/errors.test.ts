// The error taxonomy: every class's code and exit code, and the three functions that turn any
// error into what the outside sees (operator text, process exit code, bus error reply).
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/adapters/messaging/types.js';
import { GitError, PushRejectedError } from '../../src/adapters/git.js';
import { CommandError } from '../../src/bridge/commands.js';
import { ChannelStoppedError } from '../../src/bridge/channel.js';
import { BadPayloadError } from '../../src/bus/codec.js';
import { RevisionConflictError } from '../../src/bus/kv.js';
import { errorReply, unwrapReply } from '../../src/bus/reply.js';
import {
  BadRequestError,
  BusError,
  ConfigError,
  describeError,
  EXIT,
  exitCodeOf,
  MissingDependencyError,
  ParseError,
  RemoteError,
  RoshiError,
  SupervisorRunningError,
  TimeoutError,
  UsageError,
} from '../../src/errors.js';
import {
  BadRequestError as MissionsBadRequestError,
  DuplicateMissionError,
  UnknownMissionError,
} from '../../src/missions/errors.js';
import { ForbiddenError } from '../../src/missions/service.js';

describe('the classes', () => {
  it('each has its code and exit code (docs/operations.md#exit-codes)', () => {
    const table: Array<[RoshiError, string, number]> = [
      [new RoshiError('x'), 'error', 1],
      [new UsageError('x'), 'usage', 64],
      [new ParseError('x'), 'parse', 65],
      [new MissingDependencyError('x'), 'missing_dependency', 69],
      [new BusError('x'), 'bus', 69],
      [new TimeoutError('x'), 'timeout', 69],
      [new RemoteError('x', 'busy'), 'busy', 69],
      [new SupervisorRunningError('x'), 'supervisor_running', 75],
      [new ConfigError('nats.url', 3, 'a URL'), 'config', 78],
      [new BadRequestError('x'), 'bad_request', 1],
      [new BadPayloadError('x'), 'bad_payload', 1],
      [new RevisionConflictError('x'), 'conflict', 1],
      [new ForbiddenError('x'), 'forbidden', 1],
      [new DuplicateMissionError('abc', 'pending'), 'duplicate', 1],
      [new UnknownMissionError('abc'), 'unknown_mission', 1],
      [new CommandError('x'), 'command_refused', 1],
      [new ChannelStoppedError('telegram'), 'stopping', 1],
      [new GitError('x', 'git push', ''), 'git', 1],
      [new PushRejectedError('x', 'git push', ''), 'push_rejected', 1],
      [new ProviderError('x', 'slack', true), 'provider', 1],
    ];
    for (const [error, code, exit] of table) {
      expect(error, error.name).toBeInstanceOf(RoshiError);
      expect([error.name, error.code, error.exitCode]).toEqual([error.name, code, exit]);
    }
  });

  it('names each error after its class', () => {
    expect(new TimeoutError('x').name).toBe('TimeoutError');
    expect(new UnknownMissionError('abc').name).toBe('UnknownMissionError');
  });

  it('has one BadRequestError, which the missions module names with its own refusals', () => {
    expect(MissionsBadRequestError).toBe(BadRequestError);
  });
});

describe('describeError', () => {
  it('gives an error its own words', () => {
    expect(describeError(new UsageError('restart needs an actor name'))).toBe('restart needs an actor name');
    expect(describeError(new ConfigError('nats.url', 3, 'a URL'))).toBe('config: nats.url is number 3; expected a URL');
  });

  it('drops the bus subject a request error starts with', () => {
    expect(describeError(new RemoteError('roshi.missions.add: already queued as abc (pending)', 'duplicate'))).toBe(
      'already queued as abc (pending)',
    );
    expect(describeError(new TimeoutError('roshi.ctl.runner-1: no answer within 2000 ms'))).toBe(
      'no answer within 2000 ms',
    );
    expect(describeError(new Error('$SRV.PING: refused'))).toBe('refused');
  });

  it('keeps a prefix that is not a subject, and a subject later in the text', () => {
    expect(describeError(new ProviderError('telegram: getUpdates failed', 'telegram', true))).toBe(
      'telegram: getUpdates failed',
    );
    expect(describeError(new BusError('no missions actor is answering on roshi.missions.add; is it running?'))).toBe(
      'no missions actor is answering on roshi.missions.add; is it running?',
    );
  });

  it('describes what is not an Error', () => {
    expect(describeError('boom')).toBe('boom');
    expect(describeError(undefined)).toBe('undefined');
  });
});

describe('exitCodeOf', () => {
  it("is the class's exit code for roshi's errors", () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ParseError('x'))).toBe(EXIT.dataErr);
    expect(exitCodeOf(new BusError('x'))).toBe(EXIT.unavailable);
    expect(exitCodeOf(new SupervisorRunningError('x'))).toBe(EXIT.tempFail);
    expect(exitCodeOf(new ConfigError('k', 1, 'a string'))).toBe(EXIT.config);
    expect(exitCodeOf(new DuplicateMissionError('abc', 'pending'))).toBe(EXIT.failure);
  });

  it('is EX_SOFTWARE (70) for anything roshi did not expect', () => {
    expect(exitCodeOf(new Error('bug'))).toBe(70);
    expect(exitCodeOf(new TypeError('x is undefined'))).toBe(70);
    expect(exitCodeOf('thrown string')).toBe(70);
  });
});

describe('errorReply', () => {
  it("carries a roshi error's code and message", () => {
    expect(errorReply(new BadRequestError('known verbs: ping, stop'))).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'known verbs: ping, stop' },
    });
    expect(errorReply(new BadPayloadError('payload is not JSON'))).toEqual({
      ok: false,
      error: { code: 'bad_payload', message: 'payload is not JSON' },
    });
    expect(errorReply(new RemoteError('busy: 3 waiting', 'busy'))).toEqual({
      ok: false,
      error: { code: 'busy', message: 'busy: 3 waiting' },
    });
  });

  it('calls anything else "error", whatever code property it has', () => {
    expect(errorReply(new Error('kv down'))).toEqual({ ok: false, error: { code: 'error', message: 'kv down' } });
    expect(errorReply(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toEqual({
      ok: false,
      error: { code: 'error', message: 'no such file' },
    });
    expect(errorReply('boom')).toEqual({ ok: false, error: { code: 'error', message: 'boom' } });
  });

  it('round-trips through unwrapReply as a RemoteError with the same code', () => {
    const reply = errorReply(new UnknownMissionError('zz')) as unknown as Record<string, unknown>;
    expect(() => unwrapReply('roshi.missions.get', reply)).toThrow(
      expect.objectContaining({ code: 'unknown_mission', message: 'roshi.missions.get: no mission "zz"' }),
    );
  });
});
