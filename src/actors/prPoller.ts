// The pr-poller actor: hosts the prPoller machine and gives it hands — GitHub through the
// adapter (conditional requests with an ETag cache, throttling, retry), the tracked PRs and the
// CI queue in KV <prefix>_state, mission intake over <prefix>.missions.add, notifications on the
// durable outbox, CI and review outcomes on <prefix>.pr.events. Mission events put PRs roshi
// pushed into the CI queue and poke the machine.
//
// After every successful cycle it runs the other PR duties, each failure contained: @mentions
// (pollMentions), auto-merge (decideAutoMerge + mergePullRequest) and cleanup of merged branches
// (cleanupMergedBranches).
//
// No token in env[github.tokenEnv], or no repository in prPoller.repos: the machine stays idle,
// and `status` says why. ctl verbs: status (tracked PRs, cadence, last poll, backoff, requests
// and the share of 304s), poll (poll now).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyActorRef } from 'xstate';
import { fromPromise } from 'xstate';
import { prPollerMachine, type PollResult, type PrPollerContext } from '../../machines/prPoller.js';
import { createGitHub, EtagCache, GitHubError, type GitHubClient } from '../adapters/github/index.js';
import { JsonKv, publishDurable, type Bus } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import { toMissionEvent } from '../contracts/index.js';
import { RemoteError } from '../errors.js';
import type { Logger } from '../log.js';
import { decideAutoMerge, mergePullRequest } from '../prPoller/autoMerge.js';
import { KvTrackedPrStore } from '../prPoller/ciQueue.js';
import { cleanupMergedBranches } from '../prPoller/cleanup.js';
import { createMentionMemory, pollMentions } from '../prPoller/mentions.js';
import { createAuthorizer, type Authorizer } from '../prPoller/permissions.js';
import { Poller } from '../prPoller/poller.js';
import { isCycleFatal, type MissionIntake } from '../prPoller/pollerTypes.js';
import type { ActorKind, ActorParts } from './host.js';

/** KV <prefix>_state key of the mentions cursor. */
const MENTIONS_KEY = 'prpoller.mentions';
/** Branch cleanup runs at least this often per repository, and after a merge is seen. */
const CLEANUP_EVERY_MS = 60 * 60_000;
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

    let lastPoll: { at: number; durationMs?: number; tracked?: number; inQueue?: number; error?: string } | undefined;
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

    const unsubscribers: Array<() => void> = [];
    return {
      machine,
      input,
      start: (actor) => {
        actorRef = actor;
        unsubscribers.push(
          bus.subscribe(bus.subjects.missionEvents, async (payload) => {
            const event = toMissionEvent(payload);
            if (!event) return;
            const poke = await poller.onMissionEvent(event).catch((error: unknown) => {
              logger.warn({ err: error, mission: event.id }, 'could not note a mission event');
              return false;
            });
            if (poke) actor.send({ type: 'POKE' });
          }),
        );
      },
      stop: () => {
        for (const unsubscribe of unsubscribers) unsubscribe();
      },
      drainEvent: { type: 'DRAIN' },
      control: {
        status: () => {
          const { value, context } = machineState();
          const stats = github.stats;
          return {
            state: value,
            idle: false,
            repos: p.repos,
            cadence: context?.cadence,
            intervals: { fastMs: p.fastInterval, idleMs: p.idleInterval },
            lastPoll,
            nextPollAt: context?.nextPollAt,
            polls: context?.polls ?? 0,
            backoff:
              context && context.failures > 0
                ? {
                    failures: context.failures,
                    until: context.backoffUntil,
                    kind: context.lastErrorKind,
                    error: context.lastError,
                  }
                : null,
            requests: {
              ...stats,
              notModifiedShare:
                stats.requests === 0 ? 0 : Math.round((stats.notModified / stats.requests) * 1000) / 1000,
              cachedUrls: cache.size,
            },
            tracked: poller.trackedPrs().map((pr) => ({
              url: pr.url,
              branch: pr.branch,
              sha: pr.headSha.slice(0, 12),
              ci: pr.ci,
              inCiQueue: pr.inCiQueue === true,
              attempt: `${pr.attempts}/${pr.maxAttempts}`,
              unresolvedThreads: pr.unresolvedThreads,
              failing: pr.failing.map((f) => f.name),
              ...(pr.greenSince !== undefined ? { greenSince: pr.greenSince } : {}),
            })),
          };
        },
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

/**
 * The repository auto-merge may merge in for a PR of `project`: the project's githubRepo when
 * set, else the registered repository of that name; '' (refused) when neither matches.
 */
export function configuredRepoOf(config: RoshiConfig, project: string, repo: string): string {
  const configured = config.projects[project]?.githubRepo;
  if (configured) return configured;
  return config.prPoller.repos.find((r) => r.toLowerCase() === repo.toLowerCase()) ?? '';
}

/** The project whose githubRepo is `repo`, else the default project. */
export function projectOfRepo(config: RoshiConfig, repo: string): string | undefined {
  const wanted = repo.toLowerCase();
  for (const [name, project] of Object.entries(config.projects)) {
    if (project.githubRepo.toLowerCase() === wanted) return name;
  }
  return config.defaultProject || undefined;
}

// ─── mentions, auto-merge, cleanup ───────────────────────────────────────────────────────────

interface DutiesInput {
  config: RoshiConfig;
  bus: Bus;
  github: GitHubClient;
  authorizer: Authorizer;
  poller: Poller;
  stateKv: JsonKv;
  notify: (text: string, id: string) => Promise<void>;
  logger: Logger;
}

/**
 * The duties that run after each successful cycle. A GitHub outage or rate limit in one of them
 * ends the poll as a failure (the machine backs off); any other error is logged and the next
 * duty still runs.
 */
function createDuties({ config, bus, github, authorizer, poller, stateKv, notify, logger }: DutiesInput) {
  const p = config.prPoller;
  const memory = createMentionMemory();
  const reportedRepos = new Set<string>();
  const lastCleanup = new Map<string, number>();
  let mentionsSince: string | undefined;
  let mentionsLoaded = false;
  let botLogin = p.botLogin;

  const contained = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      if (isCycleFatal(error) || (error as Error).name === 'AbortError') throw error;
      logger.warn({ err: error, duty: what }, `${what} failed; the poller goes on`);
    }
  };

  async function mentions(): Promise<void> {
    if (!mentionsLoaded) {
      const saved = await stateKv.get<{ since?: string }>(MENTIONS_KEY).catch(() => undefined);
      mentionsSince = saved?.value.since;
      mentionsLoaded = true;
    }
    const result = await pollMentions({
      github,
      repos: [...p.repos],
      botLogin,
      authorizedUsers: [...p.authorizedUsers],
      authorizer,
      branchPrefix: config.git.branchPrefix,
      ownForks: p.ownForks,
      since: mentionsSince,
      addMission: async (text, by, context) => {
        try {
          // The mention's repository decides the project: with several projects the store
          // would otherwise ask "which project?".
          const repo = /https?:\/\/[^/]+\/([^/\s]+\/[^/\s]+)\/(?:pull|issues)\//.exec(text)?.[1];
          const project = repo ? projectOfRepo(config, repo) : undefined;
          const mission = await bus.request<{ id: string }>(
            bus.subjects.missionsAs('add', 'pr-poller'),
            { text, source: 'github', by, ...(project ? { project } : {}), ...(context ? { context } : {}) },
            10_000,
          );
          return { id: mission.id };
        } catch (error) {
          if (error instanceof RemoteError) return { refused: error.message };
          throw error;
        }
      },
      // The whole text decides the id: two notices sharing a beginning are two notices.
      notify: (text) => notify(text, `mention-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`),
      reportedRepos,
      logger,
      now: Date.now,
      memory,
    });
    botLogin = result.botLogin;
    if (result.since !== mentionsSince) {
      mentionsSince = result.since;
      await stateKv.put(MENTIONS_KEY, { since: result.since });
    }
  }

  async function autoMerge(): Promise<void> {
    if (!config.autoMerge.enabled) return;
    const now = Date.now();
    for (const pr of poller.trackedPrs()) {
      const decision = decideAutoMerge(
        { ...pr, ...(pr.ciTruncated ? { truncated: true } : {}) },
        { enabled: true, graceMinutes: config.autoMerge.graceMinutes },
        now,
      );
      if (decision.action === 'none') continue;
      if (decision.action !== 'merge') {
        await poller.update(pr.repo, pr.number, (current) => withGreenSince(current, decision.greenSince));
        continue;
      }
      const result = await mergePullRequest(github, pr, {
        method: config.autoMerge.method,
        // The repository the configuration says this PR's project lives in — never the PR's own
        // claim about itself, or the check would compare the PR with itself.
        expectedRepo: configuredRepoOf(config, pr.project, pr.repo),
        branchPrefix: config.git.branchPrefix,
        ownForks: p.ownForks,
        recheck: () => poller.recheck(pr),
      });
      logger.info(
        { url: pr.url, outcome: result.outcome, reason: result.reason },
        result.merged ? 'auto-merged' : 'auto-merge not done',
      );
      if (result.merged)
        await notify(
          `🔀 auto-merged ${pr.url} (${config.autoMerge.method}): ${decision.reason}`,
          `automerge-${pr.repo}-${pr.number}`,
        );
      else await poller.update(pr.repo, pr.number, (current) => withGreenSince(current, undefined));
    }
  }

  async function cleanup(merged: ReadonlySet<string>): Promise<void> {
    if (!config.cleanup.localBranches && !config.cleanup.remoteBranches) return;
    const now = Date.now();
    for (const repo of p.repos) {
      const due = merged.has(repo) || now - (lastCleanup.get(repo) ?? 0) >= CLEANUP_EVERY_MS;
      if (!due) continue;
      lastCleanup.set(repo, now);
      const project = projectOfRepo(config, repo);
      const settings = project ? config.projects[project] : undefined;
      const clone = settings ? settings.path || join(config.workspace, 'repos', project ?? '') : undefined;
      const deleted = await cleanupMergedBranches({
        github,
        repo,
        repoPath: clone && existsSync(clone) ? clone : undefined,
        remote: settings?.pushRemote || settings?.remote || 'origin',
        branchPrefix: config.git.branchPrefix,
        local: config.cleanup.localBranches,
        remoteBranches: config.cleanup.remoteBranches,
        logger,
      });
      if (deleted.length > 0)
        logger.info({ repo, deleted: deleted.map((d) => `${d.where}:${d.branch}`) }, 'deleted merged branches');
    }
  }

  return {
    run: async (signal?: AbortSignal) => {
      const merged = poller.mergedRepos;
      await contained('mentions', mentions);
      signal?.throwIfAborted();
      await contained('auto-merge', autoMerge);
      signal?.throwIfAborted();
      await contained('branch cleanup', () => cleanup(merged));
    },
  };
}

function withGreenSince<T extends { greenSince?: number }>(pr: T, greenSince: number | undefined): T {
  const next = { ...pr };
  if (greenSince === undefined) delete next.greenSince;
  else next.greenSince = greenSince;
  return next;
}
