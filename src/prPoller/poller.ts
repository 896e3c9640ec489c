// One PR poll cycle, and what mission events do to the tracked PRs. No timers here: the
// prPoller machine decides when a cycle runs (fast or idle cadence, backoff); the actor wires
// this to the bus, KV and GitHub.
//
// A cycle, per registered repository (prPoller.repos):
//   1. the open PRs (one conditional GET per page; 304 when nothing changed): own ones are those
//      whose head branch starts with `<branchPrefix>/` and whose head repository is the
//      repository itself or one of prPoller.ownForks (ownership.ts); an own PR seen for the first
//      time is followed (reviews, auto-merge) without entering the CI queue; a fork's `roshi/…`
//      PR is not followed at all (and a followed PR that turns out not to be own is dropped);
//   2. every followed PR: its head SHA (a new one restarts CI, see ciQueue.observeHead); CI of
//      that SHA (check runs, combined status, workflow runs — three conditional GETs) when it is
//      in the CI queue or its CI is not settled; the CI queue's rules (ciQueue.decideCi): a
//      /ci_check mission with the failing jobs' log tails, or a notification and out;
//   3. review feedback when the PR's updated_at moved (GraphQL threads + REST comments), only
//      from authors allowed to command roshi (permissions.ts): a new fingerprint becomes one /fix
//      mission;
//   4. a followed PR no longer in the open list is looked up: closed or merged → out (with a
//      notification when it was in the CI queue) and no longer followed.
// GitHub errors about one PR (404, 422, 403 without a rate limit) are logged and the cycle goes
// on; an outage (network, 5xx), a rate limit or a refused token (401) ends the cycle with a
// GitHubError, which the machine answers with backoff. Nothing here lets an error escape as a
// crash: the actor runs the cycle inside the machine's invoke.
import { GitHubError, parsePullUrl, type GitHubClient, type PullSummary } from '../adapters/github/index.js';
import type { MissionEvent } from '../contracts/index.js';
import type { Logger } from '../log.js';
import { isOwnBranch } from '../runner/slug.js';
import { CiReader } from './ciFetch.js';
import {
  ciCheckContext,
  decideCi,
  enterQueue,
  leaveMessage,
  leaveQueue,
  MAX_EMPTY_POLLS,
  newTrackedPr,
  noteOwnActivity,
  observeHead,
  recordCi,
  rememberFeedback,
  type LeaveReason,
  type TrackedPrStore,
} from './ciQueue.js';
import { judgeOwnership, type OwnershipRule } from './ownership.js';
import type { Authorizer, Authorization } from './permissions.js';
import { collectFeedback, feedbackAuthors, feedbackContext } from './reviews.js';
import { ciQueueKey, type TrackedPr } from './types.js';

/** Mission intake as the poller needs it (roshi.missions.add over the bus, in the actor). */
export interface MissionIntake {
  /** The new mission's id, or 'duplicate' when the store refused it as one (treated as fine). */
  add(input: { text: string; project: string; context: string }): Promise<{ id: string } | 'duplicate'>;
}

/** What the poller publishes on <prefix>.pr.events. */
export type PrEvent =
  | { type: 'ci'; repo: string; number: number; url: string; sha: string; state: TrackedPr['ci']; at: number }
  | { type: 'left'; repo: string; number: number; url: string; reason: LeaveReason; at: number }
  | { type: 'entered'; repo: string; number: number; url: string; at: number }
  | { type: 'mission'; repo: string; number: number; url: string; kind: 'ci_check' | 'fix'; id: string; at: number };

export interface PollerSettings {
  /** prPoller.repos, owner/name. */
  repos: readonly string[];
  /** git.branchPrefix */
  branchPrefix: string;
  /** prPoller.ownForks: head repositories besides the PR's own whose prefixed branches are roshi's. */
  ownForks?: readonly string[];
  /** prPoller.botLogin; '' asks GitHub for the token's login. */
  botLogin: string;
  /** ci.maxAttempts */
  maxAttempts: number;
  /** ci.logTailLines */
  logTailLines: number;
  /** After a roshi mission on a PR ends, how long a still-red old head is left alone. */
  settleMs: number;
  /** The project missions on a repository belong to, when no mission said so. */
  projectFor: (repo: string) => string | undefined;
  /** Pages fetched per listing (100 each) before it counts as truncated; default 3. */
  maxPages?: number;
  /** Failing jobs whose logs are fetched per /ci_check; default 5. */
  maxLogs?: number;
}

export interface PollerPorts {
  github: GitHubClient;
  /** Who may give review feedback (the same lookup mentions use). */
  authorizer: Authorizer;
  store: TrackedPrStore;
  missions: MissionIntake;
  /** Durable notification to the operator (the outbox); `id` de-duplicates. */
  notify: (text: string, id: string) => Promise<void>;
  /** Fire-and-forget event for listeners (roshi.pr.events). */
  publish?: (event: PrEvent) => void;
  logger: Logger;
  clock?: () => number;
}

export interface CycleResult {
  /** A PR in the CI queue waits for CI: poll at the fast cadence. */
  fast: boolean;
  tracked: number;
  inQueue: number;
  durationMs: number;
}

/** Ends a cycle: GitHub is down, rate-limited, or refuses the token. */
export function isCycleFatal(error: unknown): error is GitHubError {
  return error instanceof GitHubError && (error.outage || error.rateLimited || error.status === 401);
}

export class Poller {
  /** Every followed PR as of the last cycle or event, for status. */
  private tracked = new Map<string, TrackedPr>();
  private lock: Promise<unknown> = Promise.resolve();
  private readonly unregisteredWarned = new Set<string>();
  private readonly clock: () => number;
  private botLoginCache: string | undefined;
  /** PRs with a prefixed branch that are not own (forks), already logged. */
  private readonly foreignLogged = new Set<string>();
  private readonly rule: OwnershipRule;
  private readonly ci: CiReader;
  cycles = 0;
  /** Repositories in which the last cycle saw a followed PR merged (branch cleanup runs for them). */
  mergedRepos = new Set<string>();

  constructor(
    private readonly settings: PollerSettings,
    private readonly ports: PollerPorts,
  ) {
    this.clock = ports.clock ?? Date.now;
    this.rule = { branchPrefix: settings.branchPrefix, ownForks: settings.ownForks ?? [] };
    this.ci = new CiReader(ports.github, settings);
  }

  /** The followed PRs as last seen. */
  trackedPrs(): TrackedPr[] {
    return [...this.tracked.values()].sort((a, b) => a.enteredAt - b.enteredAt || a.url.localeCompare(b.url));
  }

  /** Loads the records from the store (at start; the cycle reloads them anyway). */
  async load(): Promise<void> {
    await this.exclusive(async () => {
      this.tracked = new Map((await this.ports.store.list()).map((pr) => [ciQueueKey(pr.repo, pr.number), pr]));
    });
  }

  /**
   * A mission event: a finished mission with a PR URL on an own branch puts the PR in the CI
   * queue; any roshi mission on a followed PR marks roshi's own activity. True when the poller
   * should poll soon (a PR entered the queue).
   */
  async onMissionEvent(event: MissionEvent): Promise<boolean> {
    const now = this.clock();
    const prUrl = event.type === 'finished' ? event.result?.prUrl : undefined;
    if (prUrl !== undefined) {
      const ref = parsePullUrl(prUrl);
      const branch = event.result?.branch ?? '';
      if (!ref || !isOwnBranch(this.settings.branchPrefix, branch)) return false;
      if (!this.settings.repos.includes(ref.repo)) {
        if (!this.unregisteredWarned.has(ref.repo)) {
          this.unregisteredWarned.add(ref.repo);
          this.ports.logger.info(
            { repo: ref.repo, url: prUrl },
            'a mission pushed to a repository not in prPoller.repos: its CI and reviews are not followed',
          );
        }
        return false;
      }
      return this.exclusive(async () => {
        const existing = this.tracked.get(ciQueueKey(ref.repo, ref.number));
        const wasQueued = existing?.inCiQueue === true;
        const pr = enterQueue(
          existing,
          { ...ref, url: prUrl, project: event.project, branch },
          this.settings.maxAttempts,
          now,
        );
        await this.save(pr);
        if (!wasQueued) {
          this.ports.logger.info({ url: prUrl, mission: event.id }, 'pull request entered the CI queue');
          this.ports.publish?.({ type: 'entered', repo: pr.repo, number: pr.number, url: pr.url, at: now });
        }
        return true;
      });
    }
    if (
      event.url === undefined ||
      !['claimed', 'finished', 'failed', 'requeued', 'cancelled', 'expired'].includes(event.type)
    )
      return false;
    const ref = parsePullUrl(event.url);
    if (!ref) return false;
    return this.exclusive(async () => {
      const existing = this.tracked.get(ciQueueKey(ref.repo, ref.number));
      if (existing) await this.save(noteOwnActivity(existing, now));
      return false;
    });
  }

  /** One poll of every registered repository. Throws a GitHubError when GitHub is down, rate-limited or refuses the token. */
  async cycle(signal?: AbortSignal): Promise<CycleResult> {
    return this.exclusive(async () => {
      const started = this.clock();
      this.mergedRepos = new Set();
      const records = new Map((await this.ports.store.list()).map((pr) => [ciQueueKey(pr.repo, pr.number), pr]));
      this.tracked = records;
      for (const repo of this.settings.repos) {
        signal?.throwIfAborted();
        const listing = await this.guard(`open pull requests of ${repo}`, () =>
          this.ports.github.listOpenPullRequests(repo, { maxPages: this.settings.maxPages ?? 3 }),
        );
        if (!listing) continue;
        const seen = new Set<number>();
        for (const pull of listing.items) {
          if (!this.isOwn(pull)) continue;
          seen.add(pull.number);
          signal?.throwIfAborted();
          const key = ciQueueKey(repo, pull.number);
          const current = records.get(key) ?? this.discovered(pull);
          await this.follow(current, pull);
        }
        for (const pr of [...records.values()]) {
          if (pr.repo !== repo || seen.has(pr.number)) continue;
          signal?.throwIfAborted();
          // Not in the open list: closed, merged, or beyond the pages fetched.
          const pull = await this.guard(`pull request ${pr.url}`, () =>
            this.ports.github.getPullRequest(repo, pr.number),
          );
          if (!pull) continue;
          if (pull.state === 'open' && this.isOwn(pull)) await this.follow(pr, pull);
          else if (pull.state === 'open') {
            this.ports.logger.info({ url: pr.url }, "no longer following a pull request: it is not roshi's own");
            await this.forget(pr, 'closed', false);
          } else {
            if (pull.state === 'merged') this.mergedRepos.add(repo);
            await this.forget(pr, pull.state === 'merged' ? 'merged' : 'closed');
          }
        }
      }
      for (const pr of [...records.values()]) {
        if (this.settings.repos.includes(pr.repo)) continue;
        this.ports.logger.info(
          { url: pr.url },
          'no longer following a pull request: its repository left prPoller.repos',
        );
        await this.forget(pr, 'closed', false);
      }
      this.cycles++;
      const all = [...this.tracked.values()];
      const queued = all.filter((pr) => pr.inCiQueue === true);
      return {
        fast: queued.some((pr) => pr.ci === 'pending' || pr.ci === 'none'),
        tracked: all.length,
        inQueue: queued.length,
        durationMs: this.clock() - started,
      };
    });
  }

  // ─── one PR ──────────────────────────────────────────────────────────────────────────────

  private discovered(pull: PullSummary): TrackedPr {
    const project = this.settings.projectFor(pull.repo) ?? '';
    this.ports.logger.info({ url: pull.url, branch: pull.headRef }, 'following an own pull request');
    return newTrackedPr(
      { repo: pull.repo, number: pull.number, url: pull.url, project, branch: pull.headRef },
      this.settings.maxAttempts,
      this.clock(),
    );
  }

  /** Own (prefix and head repository), else false; a fork's prefixed branch is logged once. */
  private isOwn(pull: PullSummary): boolean {
    const ownership = judgeOwnership(pull, this.rule);
    if (ownership.own) return true;
    const key = `${pull.repo}#${pull.number}`;
    if (isOwnBranch(this.settings.branchPrefix, pull.headRef) && !this.foreignLogged.has(key)) {
      if (this.foreignLogged.size >= 1_000) this.foreignLogged.clear();
      this.foreignLogged.add(key);
      this.ports.logger.info(
        { url: pull.url, branch: pull.headRef, headRepo: pull.headRepo, reason: ownership.reason },
        "not following a pull request with a roshi-like branch: it is not roshi's own",
      );
    }
    return false;
  }

  private async follow(start: TrackedPr, pull: PullSummary): Promise<void> {
    const now = this.clock();
    let pr = observeHead({ ...start, branch: pull.headRef, headRepo: pull.headRepo, url: pull.url }, pull.headSha, now);
    pr = await this.followReviews(pr, pull);
    const settled = pr.ci === 'success' || pr.ci === 'failure' || pr.ci === 'blocked_approval';
    if (pr.inCiQueue === true || !settled || pr.headSha !== start.headSha) pr = await this.followCi(pr);
    await this.saveIfChanged(start, pr);
  }

  private async followCi(start: TrackedPr): Promise<TrackedPr> {
    const now = this.clock();
    const verdict = await this.guard(`CI of ${start.url}`, () => this.ci.verdict(start.repo, start.headSha));
    if (!verdict) return start;
    const action = decideCi(start, verdict.state, now, {
      maxAttempts: this.settings.maxAttempts,
      settleMs: this.settings.settleMs,
      maxEmptyPolls: MAX_EMPTY_POLLS,
    });
    let pr = recordCi(start, verdict.state, verdict.failing, verdict.truncated, now);
    if (start.ci !== pr.ci) {
      this.ports.logger.info(
        {
          url: pr.url,
          sha: pr.headSha,
          ci: pr.ci,
          truncated: verdict.truncated,
          failing: verdict.failing.map((f) => f.name),
        },
        'CI changed',
      );
      this.ports.publish?.({
        type: 'ci',
        repo: pr.repo,
        number: pr.number,
        url: pr.url,
        sha: pr.headSha,
        state: pr.ci,
        at: now,
      });
    }
    if (action.type === 'leave') return this.leave(pr, action.reason, verdict.blocked);
    if (action.type === 'queueCheck') {
      const failing = await this.ci.withLogs(pr.repo, pr.headSha, verdict.failing, (what, fn) => this.guard(what, fn));
      pr = {
        ...pr,
        failing: failing.map((f) => ({
          name: f.name,
          ...(f.url ? { url: f.url } : {}),
          ...(f.logTail ? { logTail: f.logTail.slice(-2_000) } : {}),
        })),
      };
      const added = await this.ports.missions.add({
        text: `/ci_check ${pr.url}`,
        project: pr.project,
        context: ciCheckContext(pr, failing, pr.attempts + 1),
      });
      if (added === 'duplicate') return pr;
      this.ports.logger.info(
        { url: pr.url, mission: added.id, attempt: pr.attempts + 1, of: pr.maxAttempts },
        'queued a /ci_check mission',
      );
      this.ports.publish?.({
        type: 'mission',
        repo: pr.repo,
        number: pr.number,
        url: pr.url,
        kind: 'ci_check',
        id: added.id,
        at: now,
      });
      return { ...pr, attempts: pr.attempts + 1, ownActivityAt: now };
    }
    return pr;
  }

  private async followReviews(start: TrackedPr, pull: PullSummary): Promise<TrackedPr> {
    if (pull.updatedAt !== '' && pull.updatedAt === start.reviewsSeen) return start;
    const now = this.clock();
    const botLogin = await this.botLogin();
    const threads = await this.guard(`review threads of ${start.url}`, () =>
      this.ports.github.reviewThreads(start.repo, start.number),
    );
    const comments = await this.guard(`review comments of ${start.url}`, () =>
      this.ports.github.listReviewComments(start.repo, start.number, { maxPages: this.settings.maxPages ?? 3 }),
    );
    if (!threads && !comments) return start;
    // Whose feedback counts: a lookup that fails leaves this PR's feedback for the next cycle.
    const authors = await this.guard(`permissions of the reviewers of ${start.url}`, () =>
      this.authorsOf(start.repo, feedbackAuthors(threads?.threads ?? [], comments?.items ?? [], botLogin)),
    );
    if (!authors) return start;
    const feedback = collectFeedback(
      threads?.threads ?? [],
      comments?.items ?? [],
      botLogin,
      threads === undefined || threads.truncated || comments?.truncated === true,
      authors,
    );
    for (const [login, permission] of feedback.ignored) {
      this.ports.logger.info(
        {
          url: start.url,
          login,
          permission,
          reason: 'no write, maintain or admin permission and not in prPoller.authorizedUsers',
        },
        'review feedback ignored',
      );
    }
    let pr: TrackedPr = { ...start, unresolvedThreads: threads ? feedback.unresolvedThreads : start.unresolvedThreads };
    if (pr.unresolvedThreads > 0) delete pr.greenSince;
    if (feedback.fingerprint === '' || pr.handledFeedback.includes(feedback.fingerprint))
      return { ...pr, ...(threads && comments ? { reviewsSeen: pull.updatedAt } : {}) };
    const added = await this.ports.missions.add({
      text: `/fix ${pr.url}`,
      project: pr.project,
      context: feedbackContext(pr.url, feedback, authors),
    });
    // A /fix already pending or running: this feedback waits for it (read again next cycle).
    if (added === 'duplicate') return pr;
    this.ports.logger.info(
      { url: pr.url, mission: added.id, threads: feedback.items.length },
      'queued a /fix mission for review feedback',
    );
    this.ports.publish?.({
      type: 'mission',
      repo: pr.repo,
      number: pr.number,
      url: pr.url,
      kind: 'fix',
      id: added.id,
      at: now,
    });
    pr = rememberFeedback(pr, feedback.fingerprint, now);
    return { ...pr, ...(threads && comments ? { reviewsSeen: pull.updatedAt } : {}), ownActivityAt: now };
  }

  /** The permission of each login (lower case keys). */
  private async authorsOf(repo: string, logins: readonly string[]): Promise<Map<string, Authorization>> {
    const out = new Map<string, Authorization>();
    for (const login of logins) out.set(login.toLowerCase(), await this.ports.authorizer.check(repo, login));
    return out;
  }

  private async leave(pr: TrackedPr, reason: LeaveReason, blocked: readonly string[] = []): Promise<TrackedPr> {
    const now = this.clock();
    const text = leaveMessage(pr, reason, blocked);
    this.ports.logger.info({ url: pr.url, reason, attempts: pr.attempts }, 'pull request left the CI queue');
    await this.ports.notify(text, `pr-${pr.repo}-${pr.number}-${reason}-${pr.headSha.slice(0, 12)}`);
    this.ports.publish?.({ type: 'left', repo: pr.repo, number: pr.number, url: pr.url, reason, at: now });
    return leaveQueue(pr, now);
  }

  /** Closed or merged: out of the queue (told when it was in it) and no longer followed. */
  private async forget(pr: TrackedPr, reason: 'closed' | 'merged', announce = true): Promise<void> {
    if (announce && pr.inCiQueue === true) await this.leave(pr, reason);
    else if (announce) this.ports.logger.info({ url: pr.url, reason }, 'no longer following a pull request');
    await this.ports.store.delete(pr.repo, pr.number);
    this.tracked.delete(ciQueueKey(pr.repo, pr.number));
  }

  // ─── plumbing ────────────────────────────────────────────────────────────────────────────

  private async botLogin(): Promise<string> {
    if (this.settings.botLogin !== '') return this.settings.botLogin;
    this.botLoginCache ??= await this.guard("the token's login (GET /user)", () => this.ports.github.viewerLogin());
    return this.botLoginCache ?? '';
  }

  // ─── for auto-merge ──────────────────────────────────────────────────────────────────────

  /** Changes one followed PR's record (serialised with cycles and events); `change` returning undefined leaves it. */
  async update(repo: string, number: number, change: (pr: TrackedPr) => TrackedPr | undefined): Promise<void> {
    await this.exclusive(async () => {
      const current = this.tracked.get(ciQueueKey(repo, number));
      const next = current ? change(current) : undefined;
      if (current && next) await this.saveIfChanged(current, next);
    });
  }

  /**
   * A fresh look at one PR right before a merge: its state and head, CI of that head and its
   * review threads. Conditional requests are fine here: a 304 is GitHub confirming nothing changed.
   */
  async recheck(pr: TrackedPr): Promise<TrackedPr & { truncated?: boolean }> {
    const pull = await this.ports.github.getPullRequest(pr.repo, pr.number);
    const ci = await this.ci.verdict(pr.repo, pull.headSha);
    const threads = await this.ports.github.reviewThreads(pr.repo, pr.number);
    const unresolved = threads.threads.filter((t) => !t.isResolved).length;
    return {
      ...pr,
      state: pull.state,
      branch: pull.headRef,
      headRepo: pull.headRepo,
      headSha: pull.headSha,
      ci: ci.state,
      failing: ci.failing.map((f) => ({ name: f.name, ...(f.url ? { url: f.url } : {}) })),
      unresolvedThreads: unresolved,
      truncated: ci.truncated || threads.truncated,
    };
  }

  /** Runs one GitHub read: an error about this item is logged and gives undefined; an outage or rate limit ends the cycle. */
  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      if (isCycleFatal(error) || (error as Error).name === 'AbortError') throw error;
      this.ports.logger.warn({ err: error, what }, 'GitHub read failed; going on with the rest');
      return undefined;
    }
  }

  private async saveIfChanged(before: TrackedPr, after: TrackedPr): Promise<void> {
    const key = ciQueueKey(after.repo, after.number);
    if (this.tracked.get(key) !== undefined && JSON.stringify(before) === JSON.stringify(after)) return;
    await this.save(after);
  }

  private async save(pr: TrackedPr): Promise<void> {
    await this.ports.store.put(pr);
    this.tracked.set(ciQueueKey(pr.repo, pr.number), pr);
  }

  /** Serialises cycles and event updates, so neither overwrites the other's record. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
