// Typed subjects (src/contracts/subject.ts): the same strings as before at run time, and the
// wrong payload shape on one is a type error (checked by `tsc -p tests/tsconfig.json`).
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Bus } from '../../src/bus/index.js';
import { subjectsFor } from '../../src/bus/subjects.js';
import type {
  ChatReply,
  ChatRequest,
  HeartbeatPayload,
  MissionEvent,
  ReplyOf,
  RequestOf,
  Verdict,
} from '../../src/contracts/index.js';

const subjects = subjectsFor('roshi');

describe('typed subjects', () => {
  it('are plain strings at run time', () => {
    expect(subjects.heartbeat('chat')).toBe('roshi.hb.chat');
    expect(subjects.watchdogVerdict).toBe('roshi.watchdog.verdict');
    expect(subjects.chatRequest).toBe('roshi.chat.req');
    expect(subjects.missionEvents).toBe('roshi.missions.events');
    expect(subjects.control('bridge')).toBe('roshi.ctl.bridge');
    expect(`${subjects.chatRequest}.x`).toBe('roshi.chat.req.x');
  });

  it('carry their payload and reply types; plain strings carry none', () => {
    expectTypeOf<RequestOf<ReturnType<typeof subjects.heartbeat>>>().toEqualTypeOf<HeartbeatPayload>();
    expectTypeOf<RequestOf<typeof subjects.watchdogVerdict>>().toEqualTypeOf<Verdict>();
    expectTypeOf<RequestOf<typeof subjects.missionEvents>>().toEqualTypeOf<MissionEvent>();
    expectTypeOf<RequestOf<typeof subjects.chatRequest>>().toEqualTypeOf<ChatRequest>();
    expectTypeOf<ReplyOf<typeof subjects.chatRequest>>().toEqualTypeOf<ChatReply>();
    expectTypeOf<RequestOf<typeof subjects.supStatus>>().toBeUnknown();
  });

  it('make Bus.publish and Bus.request refuse the wrong shape', () => {
    // Never called: only type-checked.
    const calls = async (bus: Bus, verdict: Verdict) => {
      bus.publish(subjects.watchdogVerdict, verdict);
      // @ts-expect-error a verdict subject takes a Verdict
      bus.publish(subjects.watchdogVerdict, { nonsense: true });
      // @ts-expect-error a chat request needs chatId and provider
      await bus.request(subjects.chatRequest, { text: 'hi' });
      expectTypeOf(
        bus.request(subjects.chatRequest, { text: 'hi', chatId: '1', provider: 'console' }),
      ).resolves.toEqualTypeOf<ChatReply>();
      expectTypeOf(bus.request<{ pong: boolean }>(subjects.control('chat'), { verb: 'ping' })).resolves.toEqualTypeOf<{
        pong: boolean;
      }>();
      bus.publish(subjects.supEvents, { anything: 1 });
    };
    expect(typeof calls).toBe('function');
  });
});
