// The pr-poller actor: hosts the prPoller machine and gives it hands: GitHub through the adapter
// (ETag cache, throttling, retry), tracked PRs in KV <prefix>_state, mission intake, the durable
// outbox, <prefix>.pr.events; mission events, read durably (prPollerMissionFeed.ts), poke it.
// After each good cycle it runs its duties (prPollerDuties.ts: mentions, auto-merge, branch
// cleanup). GitHub webhook deliveries, when the webhook actor runs, poke it the same way
// (prPollerWebhookFeed.ts). Idle without a token or repository.
// docs/github.md, docs/github.md#status
import type { AnyActorRef } from 'xstate';
import { fromPromise } from 'xstate';
import { prPollerMachine, type PollResult, type PrPollerContext } from '../../machines/prPoller.js';
import { createGitHub, EtagCache, GitHubError } from '../adapters/github/index.js';
import { JsonKv, publishDurable, type Bus, type DurableConsumer } from '../bus/index.js';
import { RemoteError } from '../errors.js';
import type { Logger } from '../log.js';
import { KvTrackedPrStore } from '../prPoller/ciQueue.js';
import { createAuthorizer } from '../prPoller/permissions.js';
import { Poller } from '../prPoller/poller.js';
import { isCycleFatal, type MissionIntake } from '../prPoller/pollerTypes.js';
import type { ActorKind, ActorParts } from './host.js';
import { createDuties } from './prPollerDuties.js';
import { followMissionEvents } from './prPollerMissionFeed.js';
import { projectOfRepo } from './prPollerRepos.js';
import { prPollerStatus, type LastPoll } from './prPollerStatus.js';
import { followWebhookDeliveries } from './prPollerWebhookFeed.js';

export { configuredRepoOf, projectOfRepo } from './prPollerRepos.js';

/** Backoff ceiling: never quieter than this while GitHub is down. */
const BACKOFF_MAX_MS = 15 * 60_000;

export const prPollerKind: ActorKind = {
  description: 'follows own pull requests on GitHub: CI queue, review feedback, mentions, auto-merge',
  create: async ({ name, config, bus, logger }): Promise<ActorParts> => {
    const p = config.prPoller;
    const token = process.env[config.github.tokenEnv];
    const idleReason = !token
      ? `no GitHub token: the environment variable ${config.github.tokenEnv} (github.tokenEnv) is not set`
      : p.repos.length === 0
        ? 'no repository registered: prPoller.repos is empty'
        : undefined;
    const input = {
      ...(idleReason ? { idleReason } : {}),
      fastMs: p.fastInterval,
      idleMs: p.idleInterval,
      backoffBaseMs: Math.min(p.fastInterval, 30_000),
      backoffMaxMs: Math.max(BACKOFF_MAX_MS, p.idleInterval),
      webhookSafetyMs: p.webhookSafetyInterval,
    };
    let actorRef: AnyActorRef | undefined;
    const machineState = () =>
      (actorRef?.getSnapshot() as { value?: unknown; context?: PrPollerContext } | undefined) ?? {};

    if (idleReason || !token) {
      logger.warn({ reason: idleReason }, 'PR poller idle');
      return {
        machine: prPollerMachine,
        input,
        start: (actor) => void (actorRef = actor),
        drainEvent: { type: 'DRAIN' },
        control: { status: () => ({ state: machineState().value, idle: true, reason: idleReason, tracked: [] }) },
      };
    }

    const stateKv = await JsonKv.open(bus, bus.subjects.stateBucket);
    const cache = new EtagCache();
    // No in-process waiting for rate limits (maxRateLimitRetries 0) and one retry of a 5xx: the
    // machine's visible backoff does the waiting.
    const github = createGitHub({
      apiUrl: config.github.apiUrl,
      token,
      logger,
      etagCache: cache,
      retries: 1,
      maxRateLimitRetries: 0,
      requestTimeoutMs: 60_000,
    });
    const projectFor = (repo: string) => projectOfRepo(config, repo);
    // One permission lookup (and cache) for review feedback and mentions alike.
    const authorizer = createAuthorizer(github, { authorizedUsers: p.authorizedUsers });
    const notify = async (text: string, id: string) => {
      await publishDurable(
        bus,
        bus.subjects.bridgeOut,
        { id, kind: 'notification', source: name, text, at: Date.now() },
        id,
      );
    };
    const poller = new Poller(
      {
        repos: p.repos,
        branchPrefix: config.git.branchPrefix,
        ownForks: p.ownForks,
        botLogin: p.botLogin,
        maxAttempts: config.ci.maxAttempts,
        logTailLines: config.ci.logTailLines,
        settleMs: 2 * p.fastInterval,
        projectFor,
      },
      {
        github,
        authorizer,
        store: new KvTrackedPrStore(stateKv, logger),
        missions: missionIntake(bus, logger),
        notify,
        publish: (event) => bus.publish(bus.subjects.prEvents, event),
        logger,
      },
    );
    await poller.load();
    const duties = createDuties({ config, bus, github, authorizer, poller, stateKv, notify, logger });

    let lastPoll: LastPoll | undefined;
    const machine = prPollerMachine.provide({
      actors: {
        poll: fromPromise<PollResult>(async ({ signal }) => {
          try {
            const result = await poller.cycle(signal);
            await duties.run(signal);
            lastPoll = {
              at: Date.now(),
              durationMs: result.durationMs,
              tracked: result.tracked,
              inQueue: result.inQueue,
            };
            return { ok: true, fast: result.fast, at: Date.now() };
          } catch (error) {
            const failure = toPollFailure(error);
            lastPoll = { at: failure.at, error: failure.error };
            logger.warn(
              { err: error, kind: failure.kind, retryAfterMs: failure.retryAfterMs },
              'PR poll failed; backing off',
            );
            return failure;
          }
        }),
      },
    });

    let missionEvents: DurableConsumer | undefined;
    let deliveries: DurableConsumer | undefined;
    return {
      machine,
      input,
      start: async (actor) => {
        actorRef = actor;
        missionEvents = await followMissionEvents(bus, poller, () => actor.send({ type: 'POKE' }), logger);
        if (config.actors.webhook.enabled) {
          deliveries = await followWebhookDeliveries(
            bus,
            p.repos,
            (delivery) => actor.send({ type: 'WEBHOOK', at: delivery.receivedAt }),
            logger,
          );
        }
      },
      stop: async () => {
        await missionEvents?.stop();
        await deliveries?.stop();
      },
      drainEvent: { type: 'DRAIN' },
      control: {
        status: () => prPollerStatus({ ...machineState(), repos: p.repos, config: p, lastPoll, github, cache, poller }),
        poll: () => {
          actorRef?.send({ type: 'POKE' });
          return { accepted: true };
        },
      },
    };
  },
};

/** roshi.missions.add.pr-poller (the identity that makes them source github); a refusal as a duplicate is an answer, not an error. */
export function missionIntake(bus: Bus, logger: Logger): MissionIntake {
  return {
    add: async ({ text, project, context }) => {
      try {
        const mission = await bus.request<{ id: string }>(
          bus.subjects.missionsAs('add', 'pr-poller'),
          { text, ...(project ? { project } : {}), source: 'github', by: 'pr-poller', context },
          10_000,
        );
        return { id: mission.id };
      } catch (error) {
        if (error instanceof RemoteError && error.code === 'duplicate') {
          logger.debug({ text, reason: error.message }, 'mission already queued');
          return 'duplicate';
        }
        throw error;
      }
    },
  };
}

function toPollFailure(error: unknown): Extract<PollResult, { ok: false }> {
  const at = Date.now();
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof GitHubError && isCycleFatal(error)) {
    const kind = error.rateLimited ? 'rate_limit' : error.status === 401 ? 'auth' : 'outage';
    return {
      ok: false,
      at,
      kind,
      error: message,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  return { ok: false, at, kind: 'error', error: message };
}
