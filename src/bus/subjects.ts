// Every subject and JetStream asset name roshi uses, derived from one prefix so several
// instances can share a NATS account. Nothing else in the code spells a subject by hand. Subjects
// with one payload shape are typed (src/contracts/subject.ts), so Bus.publish/request check it.
import {
  typedSubject,
  type ChatReply,
  type ChatRequest,
  type ControlRequest,
  type HeartbeatPayload,
  type HeartbeatsReply,
  type MissionEvent,
  type Verdict,
} from '../contracts/index.js';
import type { InspectionRecord, InspectorPresence } from '../contracts/inspection.js';

export type Subjects = ReturnType<typeof subjectsFor>;

export function subjectsFor(prefix: string) {
  const p = prefix;
  return {
    prefix: p,
    heartbeat: (actor: string) => typedSubject<HeartbeatPayload>(`${p}.hb.${actor}`),
    heartbeatAll: typedSubject<HeartbeatPayload>(`${p}.hb.>`),
    /** The actor a heartbeat subject belongs to: the payload's own `actor` field is not trusted. */
    heartbeatActor: (subject: string) =>
      subject.startsWith(`${p}.hb.`) ? subject.slice(`${p}.hb.`.length) : undefined,
    control: (actor: string) => typedSubject<ControlRequest, unknown>(`${p}.ctl.${actor}`),
    supStatus: `${p}.sup.status`,
    /**
     * The latest heartbeat the supervisor heard from each child: a new watchdog starts from these.
     * `host`: only that host's supervisor answers, with that host's children.
     */
    supHeartbeats: typedSubject<{ host?: string }, HeartbeatsReply>(`${p}.sup.heartbeats`),
    supRestart: `${p}.sup.restart`,
    supEvents: `${p}.sup.events`,
    watchdogVerdict: typedSubject<Verdict>(`${p}.watchdog.verdict`),
    bridgeIn: `${p}.bridge.in`,
    bridgeOut: `${p}.bridge.out`,
    /** Where the console provider writes what roshi says (read with `nats sub`). */
    bridgeConsole: `${p}.bridge.console`,
    chatRequest: typedSubject<ChatRequest, ChatReply>(`${p}.chat.req`),
    /** A missions verb as the operator asks it (only the operator's user may publish here). */
    missions: (verb: string) => `${p}.missions.${verb}`,
    /**
     * A missions verb asked by another bus user: the last token is its identity, which the
     * server's permissions enforce, so the missions actor takes `source` and `by` from it.
     */
    missionsAs: (verb: string, identity: string) => `${p}.missions.${verb}.${identity}`,
    missionEvents: typedSubject<MissionEvent>(`${p}.missions.events`),
    runnerProgress: (runner: string) => `${p}.runner.${runner}.progress`,
    prEvents: `${p}.pr.events`,
    /** GitHub webhook deliveries the webhook actor verified, one summary each (githubDeliveries.ts). */
    githubDeliveries: `${p}.github.deliveries`,
    inspect: (actor: string) => typedSubject<InspectionRecord>(`${p}.inspect.${actor}`),
    inspectAll: typedSubject<InspectionRecord>(`${p}.inspect.>`),
    /** `inspect` is attached: machines publish on inspect.<actor> only while this keeps coming. */
    inspectorPresence: typedSubject<InspectorPresence>(`${p}.inspector.presence`),
    // JetStream assets. Bucket and stream names allow only [A-Za-z0-9_-].
    missionsBucket: `${p.replace(/-/g, '_')}_missions`,
    stateBucket: `${p.replace(/-/g, '_')}_state`,
    outboxStream: `${p.replace(/-/g, '_').toUpperCase()}_OUTBOX`,
    /** Keeps every mission event, so the pr-poller misses none while it is down (streams.ts). */
    missionEventsStream: `${p.replace(/-/g, '_').toUpperCase()}_MISSION_EVENTS`,
    /** Keeps the verified webhook deliveries, deduplicated by delivery id, for the pr-poller. */
    githubDeliveriesStream: `${p.replace(/-/g, '_').toUpperCase()}_GITHUB_DELIVERIES`,
  };
}
