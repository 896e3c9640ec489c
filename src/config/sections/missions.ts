// The schema of the mission pipeline: the queue (`missions`), the runners that work it, GitHub,
// PR polling, CI retries and what happens after a merge. Keys: docs/configuration.md#missions-runner-github
// and #pr-poller-ci-auto-merge-cleanup.
import { boolean, duration, envName, httpUrl, integer, oneOf, section, string, stringList } from '../specBuilders.js';

const approvalMode = () => oneOf('none', 'push', 'merge');
/** The approval gate per mission kind (docs/missions.md#approval); projects.<name>.approval wins when set. */
const approvalSection = section({
  free: approvalMode(),
  rebase: approvalMode(),
  ci_check: approvalMode(),
  review: approvalMode(),
  implement: approvalMode(),
  fix: approvalMode(),
});

export const missionsSection = section({
  maxAttempts: integer(1),
  maxTransientAttempts: integer(1),
  lease: duration(1),
  leaseRenew: duration(1),
  retryBackoff: section({ initial: duration(0), max: duration(0) }),
  keepDone: integer(0),
  keepFailed: integer(0),
  keepFinished: duration(0),
  keepFinishedMax: integer(0),
  keepIntake: duration(0),
  archiveInterval: duration(1000),
  file: string(),
  maxTextLength: integer(100, 100_000),
  approval: approvalSection,
});

export const runnerSection = section({
  startPaused: boolean(),
  pollInterval: duration(1),
  breaker: section({ maxConsecutiveFailures: integer(1), openFor: duration(1) }),
});

export const githubSection = section({ apiUrl: httpUrl(), tokenEnv: envName() });

export const prPollerSection = section({
  repos: stringList(),
  botLogin: string(),
  authorizedUsers: stringList(),
  ownForks: stringList(),
  fastInterval: duration(1000),
  idleInterval: duration(1000),
  /** Poll period while GitHub webhooks arrive (docs/github.md#webhooks). */
  webhookSafetyInterval: duration(1000),
});

/** The webhook actor's endpoint (docs/github.md#webhooks). */
export const webhookSection = section({
  listen: string({
    test: (v) => /^(\[[^\]]+\]|[^\s:]+):\d{1,5}$/.test(v) && Number(v.slice(v.lastIndexOf(':') + 1)) <= 65_535,
    expected: 'host:port, e.g. "127.0.0.1:8787"',
  }),
  path: string({ test: (v) => v.startsWith('/'), expected: 'a path starting with "/"' }),
  secretEnv: envName(),
});

export const ciSection = section({ maxAttempts: integer(1, 100), logTailLines: integer(10, 10_000) });

export const autoMergeSection = section({
  enabled: boolean(),
  graceMinutes: integer(0, 10_080),
  method: oneOf('merge', 'squash', 'rebase'),
});

export const cleanupSection = section({ localBranches: boolean(), remoteBranches: boolean() });
