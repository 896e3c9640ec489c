// One followed PR's review feedback, read when the PR's updated_at moved: feedback from people
// who may command roshi with a new fingerprint becomes one /fix mission.
// docs/github.md#review-feedback
import type { PullSummary } from '../adapters/github/index.js';
import { rememberFeedback } from './ciQueue.js';
import type { Authorization } from './permissions.js';
import type { PrStep } from './pollerTypes.js';
import { collectFeedback, feedbackAuthors, feedbackContext } from './reviews.js';
import type { TrackedPr } from './types.js';

export interface ReviewStep extends PrStep {
  /** The bot's login (its own comments are not feedback). */
  botLogin(): Promise<string>;
}

export async function followReviews(step: ReviewStep, start: TrackedPr, pull: PullSummary): Promise<TrackedPr> {
  if (pull.updatedAt !== '' && pull.updatedAt === start.reviewsSeen) return start;
  const now = step.clock();
  const botLogin = await step.botLogin();
  const threads = await step.guard(`review threads of ${start.url}`, () =>
    step.ports.github.reviewThreads(start.repo, start.number),
  );
  const comments = await step.guard(`review comments of ${start.url}`, () =>
    step.ports.github.listReviewComments(start.repo, start.number, { maxPages: step.settings.maxPages ?? 3 }),
  );
  // Without the threads, REST alone cannot tell a resolved thread's comments from feedback: this
  // PR's review follow-up has failed and is read again after its backoff (followUpBackoff.ts).
  if (!threads) return start;
  // Whose feedback counts: a lookup that fails leaves this PR's feedback for the next cycle.
  const authors = await step.guard(`permissions of the reviewers of ${start.url}`, () =>
    authorsOf(step, start.repo, feedbackAuthors(threads.threads, comments?.items ?? [], botLogin)),
  );
  if (!authors) return start;
  const feedback = collectFeedback(
    threads.threads,
    comments?.items ?? [],
    botLogin,
    threads.truncated || comments?.truncated === true,
    authors,
  );
  for (const [login, permission] of feedback.ignored) {
    step.ports.logger.info(
      {
        url: start.url,
        login,
        permission,
        reason: 'no write, maintain or admin permission and not in prPoller.authorizedUsers',
      },
      'review feedback ignored',
    );
  }
  let pr: TrackedPr = { ...start, unresolvedThreads: feedback.unresolvedThreads };
  if (pr.unresolvedThreads > 0) delete pr.greenSince;
  if (feedback.fingerprint === '' || pr.handledFeedback.includes(feedback.fingerprint))
    return { ...pr, ...(comments ? { reviewsSeen: pull.updatedAt } : {}) };
  const added = await step.ports.missions.add({
    text: `/fix ${pr.url}`,
    project: pr.project,
    context: feedbackContext(pr.url, feedback, authors),
  });
  // A /fix already pending or running: this feedback waits for it (read again next cycle).
  if (added === 'duplicate') return pr;
  step.ports.logger.info(
    { url: pr.url, mission: added.id, threads: feedback.items.length },
    'queued a /fix mission for review feedback',
  );
  step.ports.publish?.({
    type: 'mission',
    repo: pr.repo,
    number: pr.number,
    url: pr.url,
    kind: 'fix',
    id: added.id,
    at: now,
  });
  pr = rememberFeedback(pr, feedback.fingerprint, now);
  return { ...pr, ...(comments ? { reviewsSeen: pull.updatedAt } : {}), ownActivityAt: now };
}

/** The permission of each login (lower case keys). */
async function authorsOf(step: PrStep, repo: string, logins: readonly string[]): Promise<Map<string, Authorization>> {
  const out = new Map<string, Authorization>();
  for (const login of logins) out.set(login.toLowerCase(), await step.ports.authorizer.check(repo, login));
  return out;
}
