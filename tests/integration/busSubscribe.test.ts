// Bus.subscribe on a typed subject: each message goes through the subject's reader, what the
// reader refuses is dropped and counted, and a reader of another subject does not compile.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type HeartbeatRecord,
  type MissionEvent,
  readHeartbeat,
  readMissionEvent,
  readVerdict,
  type Verdict,
} from '../../src/contracts/index.js';
import { useNats } from '../harness/nats.js';
import { until } from '../harness/until.js';

const nats = useNats();

describe('Bus.subscribe on a typed subject', () => {
  it('delivers what the reader returns and drops what it refuses, counting it', async () => {
    const bus = await nats.connect('sub-test', 'typed');
    const received: HeartbeatRecord[] = [];
    bus.subscribe(bus.subjects.heartbeatAll, readHeartbeat, (record) => {
      received.push(record);
    });
    await bus.nc.flush();
    const beat = {
      actor: 'chat',
      pid: 42,
      host: 'h',
      bootId: 'b1',
      buildId: 'x',
      state: 'serving',
      seq: 1,
      uptimeMs: 5,
      loopLagMs: 0,
      rssBytes: 1,
      sentAt: 1,
    };
    // @ts-expect-error a heartbeat needs a pid and a bootId: sent malformed on purpose
    bus.publish(bus.subjects.heartbeat('chat'), { actor: 'chat' });
    bus.publish(bus.subjects.heartbeat('chat'), beat);
    await until(() => received.length === 1, 'the well-formed heartbeat');
    expect(received[0]).toMatchObject({ actor: 'chat', pid: 42, bootId: 'b1' });
    expect(typeof received[0]?.receivedAt).toBe('number');
    await until(() => bus.badPayloads.get('typed.hb.chat') === 1, 'the malformed heartbeat counted');
  });

  it('gives the handler the reader’s type, and refuses another subject’s reader', () => {
    // Never called: only type-checked.
    const calls = (bus: Awaited<ReturnType<typeof nats.connect>>) => {
      bus.subscribe(bus.subjects.missionEvents, readMissionEvent, (event) => {
        expectTypeOf(event).toEqualTypeOf<MissionEvent>();
      });
      bus.subscribe(bus.subjects.watchdogVerdict, readVerdict, (verdict) => {
        expectTypeOf(verdict).toEqualTypeOf<Verdict>();
      });
      // @ts-expect-error the verdict subject is not read with the mission event reader
      bus.subscribe(bus.subjects.watchdogVerdict, readMissionEvent, () => {});
      // @ts-expect-error a plain subject has no contract to read it with
      bus.subscribe(bus.subjects.supEvents, readVerdict, () => {});
    };
    expect(typeof calls).toBe('function');
  });
});
