// Who may say what on the bus: one NATS user per actor, allowed only its own subjects, plus the
// supervisor (the root) and the operator (the CLI and an operator's `nats` CLI). This one table
// writes the embedded server's authorization block and prints the block for an external server
// (`roshi config nats-users`), so the two can never disagree. Pure: names in, allow lists out.
import { subjectsFor, type Subjects } from './subjects.js';
import { actorName, isRunnerName, parseActorName, type ActorKindName } from '../contracts/actorName.js';
import { singletonLeaseNames } from '../contracts/singletons.js';
import { leaseBucketName } from './leaseName.js';

export const SUPERVISOR_USER = 'supervisor';
export const OPERATOR_USER = 'operator';

export interface NatsUserPermissions {
  user: string;
  /** Subjects the user may publish on (replies to requests it received are always allowed). */
  publish: string[];
  subscribe: string[];
  /** JetStream streams the user works with (API, acks, flow control; KV_ streams also their $KV puts). */
  streams: string[];
  /**
   * Replies allowed per request received (allow_responses max): one per micro service the user
   * registers, since `$SRV.PING` reaches each service of a connection and each answers.
   */
  maxResponses: number;
}

/** The missions verbs the web page asks (as the CLI does): list and get to show, the rest to act. */
const MISSION_VERBS_OF_THE_PAGE = ['list', 'get', 'add', 'cancel', 'priority', 'pause', 'resume'] as const;

/** Each user's request inboxes live under its own prefix, so no one can read another's replies. */
export function inboxPrefix(user: string): string {
  return `_INBOX.${user}`;
}

/** The micro service name an actor registers (`nats micro ls`). */
export function serviceName(prefix: string, actor: string): string {
  return `${prefix}-${actor}`;
}

/**
 * JetStream access to one stream: its API (info, create/update, consumers, direct get), its
 * acks and flow control. Within that stream a user can also purge or delete it: JetStream's
 * API has no finer grain (see docs/security.md for the residual risk).
 */
function jetStream(stream: string): string[] {
  return [
    `$JS.API.STREAM.*.${stream}`,
    `$JS.API.STREAM.MSG.*.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.*.${stream}`,
    `$JS.API.CONSUMER.*.${stream}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/** Everything `user` may publish on: its subjects, and the JetStream subjects of its streams. */
export function publishAllow(user: NatsUserPermissions): string[] {
  const js = user.streams.flatMap((stream) => [
    ...jetStream(stream),
    ...(stream.startsWith('KV_') ? [`$KV.${stream.slice(3)}.>`] : []),
  ]);
  return [...user.publish, ...(user.streams.length > 0 ? ['$JS.API.INFO'] : []), ...js];
}

/** What every actor process does through the actor host: heartbeat, inspection (while an inspector is present), control, service. */
function actorBase(
  s: Subjects,
  actor: string,
  services: string[] = [serviceName(s.prefix, actor)],
): NatsUserPermissions {
  return {
    user: actor,
    maxResponses: services.length,
    publish: [s.heartbeat(actor), s.inspect(actor)],
    streams: [],
    subscribe: [
      s.control(actor),
      s.inspectorPresence,
      '$SRV.*',
      ...services.flatMap((name) => [`$SRV.*.${name}`, `$SRV.*.${name}.*`]),
      `${inboxPrefix(actor)}.>`,
    ],
  };
}

function plus(
  base: NatsUserPermissions,
  more: { publish?: string[]; subscribe?: string[]; streams?: string[] },
): NatsUserPermissions {
  return {
    ...base,
    publish: [...base.publish, ...(more.publish ?? [])],
    subscribe: [...base.subscribe, ...(more.subscribe ?? [])],
    streams: more.streams ?? [],
  };
}

/** The supervisor user of a host: `supervisor`, `h2-supervisor`. */
function supervisorUser(s: Subjects, user: string): NatsUserPermissions {
  return {
    user,
    maxResponses: 1,
    // The root of a host's tree: asks any actor to restart or stop, creates the outbox stream.
    publish: [s.supEvents, s.inspect(user), s.control('*'), s.bridgeOut],
    streams: [`KV_${s.stateBucket}`, s.outboxStream],
    subscribe: [
      s.heartbeatAll,
      s.watchdogVerdict,
      s.supStatus,
      s.supHeartbeats,
      s.supRestart,
      s.control(user),
      s.inspectorPresence,
      '$SRV.*',
      `$SRV.*.${serviceName(s.prefix, user)}`,
      `$SRV.*.${serviceName(s.prefix, user)}.*`,
      `${inboxPrefix(user)}.>`,
    ],
  };
}

/** The hosts `actors` span, in order of first appearance ('' = a single host's plain names). */
function hostsOf(actors: readonly string[]): string[] {
  const hosts = [...new Set(actors.map((a) => parseActorName(a)?.host ?? ''))];
  return hosts.length > 0 ? hosts : [''];
}

/**
 * The users for the trees whose children are `actors` (as from childNames, without `nats`): one
 * supervisor per host the names span (docs/scale-out.md#hosts-and-names), then each actor by its
 * kind: watchdog, missions, bridge, chat, runner-<n>, pr-poller, webhook, web.
 */
export function natsUsers(prefix: string, actors: readonly string[]): NatsUserPermissions[] {
  const s = subjectsFor(prefix);
  const state = `KV_${s.stateBucket}`;
  const missions = `KV_${s.missionsBucket}`;
  const outboxPublish = [s.bridgeOut];
  const runners = actors.filter(isRunnerName);
  const kindOf = (actor: string): ActorKindName | undefined => parseActorName(actor)?.kind;
  const ofKind = (kind: ActorKindName) => actors.filter((a) => kindOf(a) === kind);
  const users: NatsUserPermissions[] = hostsOf(actors).map((host) =>
    supervisorUser(s, actorName(host, SUPERVISOR_USER)),
  );
  for (const actor of actors) {
    const kind = kindOf(actor);
    if (kind === 'watchdog') {
      users.push(
        plus(actorBase(s, actor), {
          publish: [s.watchdogVerdict, s.supHeartbeats],
          subscribe: [s.heartbeatAll],
        }),
      );
    } else if (kind === 'missions') {
      users.push(
        plus(actorBase(s, actor, [serviceName(prefix, actor), serviceName(prefix, 'missions-api')]), {
          publish: [s.missionEvents, ...outboxPublish],
          streams: [missions, state],
          // Every verb, bare (the operator's) and with an identity token (another actor's).
          subscribe: [s.missions('*'), s.missionsAs('*', '*')],
        }),
      );
    } else if (kind === 'bridge') {
      users.push(
        plus(actorBase(s, actor), {
          publish: [
            ...runners.map((r) => s.control(r)), // /abort and /live
            s.supStatus,
            s.supRestart,
            s.chatRequest,
            s.missionsAs('*', actor),
            s.bridgeConsole,
            ...outboxPublish,
          ],
          subscribe: [s.bridgeIn],
          streams: [state, s.outboxStream],
        }),
      );
    } else if (kind === 'chat') {
      users.push(
        plus(actorBase(s, actor), { publish: outboxPublish, subscribe: [s.chatRequest], streams: [missions, state] }),
      );
    } else if (kind === 'runner') {
      // The mission store announces the transitions it makes (claims, results) on missions.events.
      users.push(
        plus(actorBase(s, actor), {
          publish: [s.runnerProgress(actor), s.missionEvents, ...outboxPublish],
          streams: [missions, state],
        }),
      );
    } else if (kind === 'pr-poller') {
      // Mission events reach it through its durable consumer on the mission event log (which it
      // creates), not a plain subscription: none is lost while it is down. Likewise the webhook
      // deliveries, when the tree has a webhook actor.
      const deliveries = ofKind('webhook').length > 0 ? [s.githubDeliveriesStream] : [];
      users.push(
        plus(actorBase(s, actor), {
          // Its identity token is its kind (the missions actor reads the source from it).
          publish: [s.prEvents, s.missionsAs('add', 'pr-poller'), ...outboxPublish],
          streams: [state, s.missionEventsStream, ...deliveries],
        }),
      );
    } else if (kind === 'webhook') {
      // Records each verified delivery in its stream (JetStream publish, deduplicated by id).
      users.push(plus(actorBase(s, actor), { publish: [s.githubDeliveries], streams: [s.githubDeliveriesStream] }));
    } else if (kind === 'web') {
      // The live page (docs/observability.md#the-live-page): reads what the tree announces, and
      // acts only through the requests the CLI makes (sup.status/restart, the missions verbs
      // under its own identity, the runners' breakers), never a stream or a store directly.
      users.push(
        plus(actorBase(s, actor), {
          publish: [
            s.supStatus,
            s.supRestart,
            ...MISSION_VERBS_OF_THE_PAGE.map((verb) => s.missionsAs(verb, actor)),
            ...runners.map((r) => s.control(r)),
            // The outbox (`providers`) and the followed PRs (`status`), as the operator asks them.
            ...[...ofKind('bridge'), ...ofKind('pr-poller')].map((a) => s.control(a)),
            s.inspectorPresence, // while a page is open, so the machines' transitions reach it
          ],
          subscribe: [s.heartbeatAll, s.supEvents, s.missionEvents, s.runnerProgress('*'), s.inspectAll],
        }),
      );
    } else {
      // An actor kind this table does not know yet gets only what the host does for it.
      users.push(actorBase(s, actor));
    }
  }
  // A singleton on a multi-host system works only while it holds its lease, a KV bucket of its own
  // (a bridge: one per chat provider, docs/scale-out.md#singleton-leases); a single host's plain
  // names never take one.
  for (const user of users) {
    const leases = singletonLeaseNames(user.user).map((lease) => `KV_${leaseBucketName(prefix, lease)}`);
    if (leases.length > 0) user.streams = [...user.streams, ...leases];
  }
  // The operator is the root of trust: everything, like the `nats` CLI expects.
  users.push({ user: OPERATOR_USER, publish: ['>'], subscribe: ['>'], streams: [], maxResponses: 1 });
  return users;
}

/** May `user` publish on `subject`, by NATS subject matching? (For tests and the docs table.) */
export function mayPublish(users: readonly NatsUserPermissions[], user: string, subject: string): boolean {
  const entry = users.find((u) => u.user === user);
  return entry !== undefined && publishAllow(entry).some((pattern) => subjectMatches(pattern, subject));
}

export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const t = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return t.length > i;
    if (i >= t.length) return false;
    if (p[i] !== '*' && p[i] !== t[i]) return false;
  }
  return p.length === t.length;
}

/** The variable that holds a user's password for an external server: ROSHI_NATS_PASSWORD_RUNNER_1. */
export function passwordVariable(user: string): string {
  return `ROSHI_NATS_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}`;
}

/** The user a password variable names, or undefined: ROSHI_NATS_PASSWORD_PR_POLLER → pr-poller. */
export function userOfPasswordVariable(name: string): string | undefined {
  const match = /^ROSHI_NATS_PASSWORD_([A-Z0-9_]+)$/.exec(name);
  return match ? match[1]!.toLowerCase().replace(/_/g, '-') : undefined;
}

/** The table as Markdown, for docs/subjects.md and docs/security.md (a test keeps them equal). */
export function permissionsMarkdown(users: readonly NatsUserPermissions[]): string {
  const cell = (subjects: string[]) => subjects.map((s) => `\`${s}\``).join(' ') || '—';
  return [
    '| user | may publish | may subscribe | JetStream streams |',
    '|---|---|---|---|',
    ...users.map((u) => `| ${u.user} | ${cell(u.publish)} | ${cell(u.subscribe)} | ${cell(u.streams)} |`),
  ].join('\n');
}

/**
 * The `authorization` block for an external nats-server, each password taken from an
 * environment variable of the server (ROSHI_NATS_PASSWORD_<USER>), so the block holds no secret.
 */
export function externalServerBlock(users: readonly NatsUserPermissions[]): string {
  const variable = (user: string) => `$${passwordVariable(user)}`;
  const list = (subjects: string[]) => `[${subjects.map((s) => JSON.stringify(s)).join(', ')}]`;
  const lines = users.map(
    (u) =>
      `    { user: "${u.user}", password: ${variable(u.user)}, permissions: { publish: { allow: ${list(publishAllow(u))} }, subscribe: { allow: ${list(u.subscribe)} }, allow_responses: ${u.maxResponses === 1 ? 'true' : `{ max: ${u.maxResponses} }`} } }`,
  );
  return `authorization {\n  users = [\n${lines.join(',\n')}\n  ]\n}\n`;
}
