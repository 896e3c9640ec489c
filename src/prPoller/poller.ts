// One PR poll cycle over every registered repository, and what mission events do to the
// tracked PRs. No timers here: the prPoller machine decides when a cycle runs, the actor wires
// this to the bus, KV and GitHub. Each followed PR's CI is followCi.ts, its reviews
// followReviews.ts. The cycle's steps and how errors end it: docs/github.md#one-poll.
import type { PullSummary } from '../adapters/github/index.js';
import type { MissionEvent } from '../contracts/index.js';
import { CiReader } from './ciFetch.js';
import {
  enterQueue,
  leaveMessage,
  leaveQueue,
  newTrackedPr,
  noteOwnActivity,
  observeHead,
  type LeaveReason,
} from './ciQueue.js';
import { type CiStep, followCi } from './followCi.js';
import { followReviews, type ReviewStep } from './followReviews.js';
import { FollowUpBackoff, type FollowUpFailure } from './followUpBackoff.js';
import { mergeApprovalOf, withMergeApproval } from './mergeApproval.js';
import { missionEventMeaning } from './missionEvents.js';
import { ownPullFilter } from './ownPulls.js';
import { type CycleResult, type PollerPorts, type PollerSettings, readOrSkip } from './pollerTypes.js';
import { recheckPr } from './prRecheck.js';
import { ciQueueKey, type TrackedPr } from './types.js';

export class Poller {
  /** Every followed PR as of the last cycle or event, for status. */
  private tracked = new Map<string, TrackedPr>();
  private lock: Promise<unknown> = Promise.resolve();
  private readonly unregisteredWarned = new Set<string>();
  private readonly clock: () => number;
  private botLoginCache: string | undefined;
  /** Own (prefix and head repository); a fork's prefixed branch is logged once. */
  private readonly isOwn: (pull: PullSummary) => boolean;
  private readonly ci: CiReader;
  /** What the per-PR steps (followCi, followReviews) use of this poller. */
  private readonly step: CiStep & ReviewStep;
  /** PRs whose follow-up failed, and when each is tried again (in memory). */
  private readonly followUps: FollowUpBackoff;
  cycles = 0;
  /** Repositories in which the last cycle saw a followed PR merged (branch cleanup runs for them). */
  mergedRepos = new Set<string>();

  constructor(
    private readonly settings: PollerSettings,
    private readonly ports: PollerPorts,
  ) {
    this.clock = ports.clock ?? Date.now;
    this.isOwn = ownPullFilter(
      { branchPrefix: settings.branchPrefix, ownForks: settings.ownForks ?? [] },
      ports.logger,
    );
    this.ci = new CiReader(ports.github, settings);
    this.followUps = new FollowUpBackoff({
      initialMs: settings.followUpBackoffMs ?? 60_000,
      maxMs: settings.followUpBackoffMaxMs ?? 30 * 60_000,
    });
    this.step = {
      settings,
      ports,
      clock: this.clock,
      guard: (what, fn) => this.guard(what, fn),
      ci: this.ci,
      leave: (pr, reason, blocked) => this.leave(pr, reason, blocked),
      botLogin: () => this.botLogin(),
    };
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
    const meaning = missionEventMeaning(event, this.settings);
    if (meaning.type === 'unregistered') {
      if (!this.unregisteredWarned.has(meaning.repo)) {
        this.unregisteredWarned.add(meaning.repo);
        this.ports.logger.info(
          { repo: meaning.repo, url: meaning.url },
          'a mission pushed to a repository not in prPoller.repos: its CI and reviews are not followed',
        );
      }
      return false;
    }
    if (meaning.type === 'approval') {
      const { ref } = meaning;
      return this.exclusive(async () => {
        const existing = this.tracked.get(ciQueueKey(ref.repo, ref.number));
        // Only the answer to the ask of the mission that last pushed counts.
        if (existing?.mergeApproval?.mission === event.id)
          await this.save(withMergeApproval(existing, mergeApprovalOf(event)));
        return false;
      });
    }
    if (meaning.type === 'activity') {
      const { ref } = meaning;
      return this.exclusive(async () => {
        const existing = this.tracked.get(ciQueueKey(ref.repo, ref.number));
        if (existing) await this.save(noteOwnActivity(existing, now));
        return false;
      });
    }
    if (meaning.type !== 'pushed') return false;
    const { ref, url, branch, push } = meaning;
    return this.exclusive(async () => {
      const existing = this.tracked.get(ciQueueKey(ref.repo, ref.number));
      // The same push handed over again (a redelivery): it entered the queue once already.
      if (existing?.enteredBy === push) return false;
      const wasQueued = existing?.inCiQueue === true;
      const pr = withMergeApproval(
        enterQueue(existing, { ...ref, url, project: event.project, branch }, this.settings.maxAttempts, now, push),
        mergeApprovalOf(event),
      );
      await this.save(pr);
      if (!wasQueued) {
        this.ports.logger.info({ url, mission: event.id }, 'pull request entered the CI queue');
        this.ports.publish?.({ type: 'entered', repo: pr.repo, number: pr.number, url: pr.url, at: now });
      }
      return true;
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

  /**
   * Reviews and CI of one PR. A GitHub error about this PR (not an outage or rate limit, which end
   * the cycle) marks its follow-up failed: skipped until its backoff is over, the others go on.
   */
  private async follow(start: TrackedPr, pull: PullSummary): Promise<void> {
    const now = this.clock();
    const key = ciQueueKey(start.repo, start.number);
    if (!this.followUps.ready(key, now)) return;
    // Only reads named after this PR count (CI, threads, comments, reviewers' permissions): a job
    // log is optional context, the /ci_check goes out without it.
    let failure: unknown;
    const step: CiStep & ReviewStep = {
      ...this.step,
      guard: (what, fn) =>
        readOrSkip(this.ports.logger, what, fn, (error) => {
          if (what.includes(start.url)) failure ??= error;
        }),
    };
    let pr = observeHead({ ...start, branch: pull.headRef, headRepo: pull.headRepo, url: pull.url }, pull.headSha, now);
    pr = await followReviews(step, pr, pull);
    // A run waiting for approval is read again every cycle: once approved, its result is followed.
    const settled = pr.ci === 'success' || pr.ci === 'failure';
    if (pr.inCiQueue === true || !settled || pr.headSha !== start.headSha) pr = await followCi(step, pr, pull.baseRef);
    await this.saveIfChanged(start, pr);
    const failed = this.followUps.settle(key, this.clock(), failure);
    if (failed)
      this.ports.logger.warn({ url: pr.url, ...failed }, 'follow-up of a pull request failed; tried again later');
  }

  /** PRs whose follow-up is failing (keyed by ciQueueKey), for status. */
  failingFollowUps(): ReadonlyMap<string, FollowUpFailure> {
    return this.followUps.failing();
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

  private async botLogin(): Promise<string> {
    if (this.settings.botLogin !== '') return this.settings.botLogin;
    this.botLoginCache ??= await this.guard("the token's login (GET /user)", () => this.ports.github.viewerLogin());
    return this.botLoginCache ?? '';
  }

  // ─── for auto-merge ──────────────────────────────────────────────────────────────────────

  /** A fresh look at one PR right before a merge (prRecheck.ts). */
  recheck(pr: TrackedPr): Promise<TrackedPr & { truncated?: boolean }> {
    return recheckPr(this.ports.github, this.ci, pr);
  }

  /** Changes one followed PR's record (serialised with cycles and events); `change` returning undefined leaves it. */
  async update(repo: string, number: number, change: (pr: TrackedPr) => TrackedPr | undefined): Promise<void> {
    await this.exclusive(async () => {
      const current = this.tracked.get(ciQueueKey(repo, number));
      const next = current ? change(current) : undefined;
      if (current && next) await this.saveIfChanged(current, next);
    });
  }

  private guard<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    return readOrSkip(this.ports.logger, what, fn);
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
