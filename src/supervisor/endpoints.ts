// The supervisor on the bus: heartbeats and watchdog verdicts forwarded to the child machines,
// sup.status and sup.restart served, and the roshi-supervisor micro service with its ctl verbs.
import * as ev from '../../machines/childEvents.js';
import { childStatus, stateName, type ChildSnapshot } from '../../machines/childStatus.js';
import { NO_REPLY, registerService, type Bus } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import {
  controlVerb,
  readHeartbeat,
  readVerdict,
  type AcceptedReply,
  type HeartbeatRecord,
  type HeartbeatsReply,
  type PingReply,
} from '../contracts/index.js';
import { isOnHost, parseActorName } from '../contracts/actorName.js';
import { BadRequestError } from '../errors.js';
import type { TreeStatus } from './status.js';
import { NATS_CHILD, supervisorName, watchdogName } from './tree.js';
import type { TreeView } from './treeView.js';

export interface EndpointOptions {
  config: RoshiConfig;
  buildId: string;
  tree: TreeView;
  /** Every actor's latest heartbeat, kept here for the status view and the self-watch. */
  heartbeats: Map<string, HeartbeatRecord>;
  status: () => TreeStatus;
  shutdown: (reason: string) => void;
}

export interface Endpoints {
  /** Ends the heartbeat and verdict subscriptions. */
  unsubscribe: () => void;
  /** Resolves once the micro service is registered. */
  registered: Promise<void>;
}

export function serveEndpoints(
  b: Bus,
  { config, buildId, tree, heartbeats, status, shutdown }: EndpointOptions,
): Endpoints {
  const { root, childRef, childSnapshots } = tree;
  const host = config.host.id;
  const self = supervisorName(config);
  const unsubscribers = [
    b.subscribe(b.subjects.heartbeatAll, readHeartbeat, (record, subject) => {
      // An actor may publish only its own heartbeat subject, so the subject names the sender.
      if (record.actor !== b.subjects.heartbeatActor(subject)) return;
      heartbeats.set(record.actor, record);
      // Only when the child machine would act on it (starting, a tier, half-open): a running
      // child's heartbeats are the watchdog's business, and forwarding them all costs CPU.
      const child = childRef(record.actor);
      const event = ev.heartbeat(record.pid, record.bootId, record.receivedAt);
      if (child && (child.getSnapshot() as ChildSnapshot).can(event)) child.send(event);
    }),
    b.subscribe(b.subjects.watchdogVerdict, readVerdict, (verdict) => {
      if (verdict.actor === watchdogName(config)) return; // the supervisor judges its watchdog itself
      childRef(verdict.actor)?.send(ev.verdict(verdict));
    }),
  ];
  b.serve(b.subjects.supStatus, () => status());
  // A watchdog asks for its own host's children (docs/scale-out.md#hosts-and-names); another
  // host's supervisor stays silent. A request without `host` (an older watchdog) gets everything.
  b.serve(b.subjects.supHeartbeats, (payload) => {
    if (typeof payload.host === 'string' && payload.host !== host) return NO_REPLY;
    const all = [...heartbeats.values()];
    const reply: HeartbeatsReply = {
      heartbeats: typeof payload.host === 'string' ? all.filter((hb) => isOnHost(hb.actor, host)) : all,
    };
    return reply;
  });
  b.serve(b.subjects.supRestart, (payload) => {
    const actor = payload.actor;
    // Another host's actor is its supervisor's to restart: only that one answers.
    const owner = typeof actor === 'string' ? parseActorName(actor)?.host : undefined;
    if (host !== '' && owner !== undefined && owner !== '' && owner !== host) return NO_REPLY;
    if (actor === NATS_CHILD) {
      throw new BadRequestError(
        'the embedded nats-server restarts with the supervisor; restart the supervisor instead',
      );
    }
    if (typeof actor !== 'string' || !childRef(actor)) {
      throw new BadRequestError(
        `unknown actor ${JSON.stringify(actor)}; known: ${childSnapshots()
          .map((s) => s.context.name)
          .join(', ')}`,
      );
    }
    const snapshot = childRef(actor)!.getSnapshot() as ChildSnapshot;
    const circuit = childStatus(snapshot).circuit;
    root.send(
      circuit === 'closed'
        ? {
            type: 'RESTART_CHILD',
            child: actor,
            reason: `requested by ${String(payload.by ?? 'operator')}`,
            at: Date.now(),
          }
        : { type: 'RESET_CIRCUIT', child: actor, at: Date.now() },
    );
    return { accepted: true, actor, from: stateName(snapshot), circuitReset: circuit !== 'closed' };
  });
  const registered = registerService(b, {
    name: `${config.prefix}-${self}`,
    version: '0.1.0',
    description: 'roots the roshi supervision tree',
    metadata: { actor: self, pid: String(process.pid), buildId },
    endpoints: [
      {
        name: 'ctl',
        subject: b.subjects.control(self),
        handler: (payload) => {
          const verb = controlVerb(payload);
          if (verb === 'ping') return { pong: true, actor: self, pid: process.pid } satisfies PingReply;
          if (verb === 'stop')
            return (void setImmediate(() => shutdown('ctl stop')), { accepted: true } satisfies AcceptedReply);
          throw new BadRequestError('known verbs: ping, stop');
        },
      },
    ],
  }).then(() => undefined);
  return {
    unsubscribe: () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
    },
    registered,
  };
}
