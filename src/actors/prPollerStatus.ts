// The pr-poller's `status` answer: machine state, cadence, last poll, backoff, request counts
// and every tracked PR. docs/github.md#status
import type { EtagCache, GitHubClient } from '../adapters/github/index.js';
import { webhooksLive, type PrPollerContext } from '../../machines/prPoller.js';
import type { RoshiConfig } from '../config/index.js';
import type { Poller } from '../prPoller/poller.js';

/** The last poll as status shows it: its outcome, or its error. */
export type LastPoll = { at: number; durationMs?: number; tracked?: number; inQueue?: number; error?: string };

export interface StatusInput {
  value?: unknown;
  context?: PrPollerContext;
  repos: readonly string[];
  config: Pick<RoshiConfig['prPoller'], 'fastInterval' | 'idleInterval' | 'webhookSafetyInterval'>;
  lastPoll: LastPoll | undefined;
  github: GitHubClient;
  cache: EtagCache;
  poller: Poller;
}

export function prPollerStatus({ value, context, repos, config: p, lastPoll, github, cache, poller }: StatusInput) {
  const stats = github.stats;
  return {
    state: value,
    idle: false,
    repos,
    cadence: context?.cadence,
    intervals: { fastMs: p.fastInterval, idleMs: p.idleInterval },
    lastPoll,
    nextPollAt: context?.nextPollAt,
    polls: context?.polls ?? 0,
    // Deliveries from the webhook actor (docs/github.md#webhooks); live: the safety interval applies.
    webhooks: {
      received: context?.webhooks ?? 0,
      ...(context?.lastWebhookAt !== undefined ? { lastAt: context.lastWebhookAt } : {}),
      live: context !== undefined && webhooksLive(context, Date.now()),
      safetyIntervalMs: p.webhookSafetyInterval,
    },
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
      notModifiedShare: stats.requests === 0 ? 0 : Math.round((stats.notModified / stats.requests) * 1000) / 1000,
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
}
