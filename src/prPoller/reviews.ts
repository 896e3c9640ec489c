// Review feedback on own PRs: unresolved review threads (GraphQL: REST has no "resolved") and
// review comments (REST) that are in no resolved thread, minus what roshi itself wrote. The
// whole set is fingerprinted — thread ids, comment ids and a hash of each body — and turned
// into one `/fix <PR url>` mission carrying the feedback as context, once: the fingerprint is
// kept in TrackedPr.handledFeedback, so the same feedback never queues twice, while a new
// comment (or an edited one) makes a new fingerprint and a new mission.
import { createHash } from 'node:crypto';
import type { ReviewComment, ReviewThread } from '../adapters/github.js';

export interface FeedbackItem {
  /** GraphQL thread id, or `comment:<id>` for a comment GraphQL did not return. */
  thread: string;
  comments: ReviewComment[];
  path?: string;
  line?: number;
  outdated: boolean;
}

export interface Feedback {
  items: FeedbackItem[];
  /** Unresolved review threads (what blocks auto-merge). */
  unresolvedThreads: number;
  /** '' when there is nothing to address. */
  fingerprint: string;
  /** A listing was cut short: there may be more than this. */
  truncated: boolean;
}

/**
 * The feedback to address: every unresolved thread that has a comment by someone other than
 * `botLogin`, plus review comments the threads did not contain (GraphQL truncated or failed)
 * that are not in a resolved thread.
 */
export function collectFeedback(threads: readonly ReviewThread[], comments: readonly ReviewComment[], botLogin: string, truncated = false): Feedback {
  const isBot = (login: string) => botLogin !== '' && login.toLowerCase() === botLogin.toLowerCase();
  const inThreads = new Set<number>();
  const items: FeedbackItem[] = [];
  let unresolvedThreads = 0;
  for (const thread of threads) {
    for (const c of thread.comments) inThreads.add(c.id);
    if (thread.isResolved) continue;
    unresolvedThreads++;
    // roshi's own replies are neither feedback nor part of the fingerprint (a reply must not re-queue the thread)
    const others = thread.comments.filter((c) => !isBot(c.author));
    if (others.length === 0) continue;
    const first = thread.comments[0];
    items.push({
      thread: thread.id,
      comments: others,
      ...(first?.path ? { path: first.path } : {}),
      ...(first?.line !== undefined ? { line: first.line } : {}),
      outdated: thread.isOutdated,
    });
  }
  for (const c of comments) {
    if (inThreads.has(c.id) || isBot(c.author)) continue;
    items.push({ thread: `comment:${c.id}`, comments: [c], ...(c.path ? { path: c.path } : {}), ...(c.line !== undefined ? { line: c.line } : {}), outdated: false });
  }
  items.sort((a, b) => (a.thread < b.thread ? -1 : a.thread > b.thread ? 1 : 0));
  return { items, unresolvedThreads, fingerprint: fingerprintFeedback(items), truncated };
}

/** sha256 over thread ids, comment ids and comment bodies; '' for no feedback. */
export function fingerprintFeedback(items: readonly FeedbackItem[]): string {
  if (items.length === 0) return '';
  const hash = createHash('sha256');
  for (const item of [...items].sort((a, b) => (a.thread < b.thread ? -1 : a.thread > b.thread ? 1 : 0))) {
    hash.update(`thread ${item.thread}\n`);
    for (const c of [...item.comments].sort((a, b) => a.id - b.id)) {
      hash.update(`comment ${c.id} ${createHash('sha256').update(c.body).digest('hex')}\n`);
    }
  }
  return `fb1:${hash.digest('hex').slice(0, 32)}`;
}

/** The /fix mission's context: each thread with its place in the code and every comment. */
export function feedbackContext(url: string, feedback: Feedback): string {
  const lines = [`Review feedback on ${url} to address (${feedback.items.length} thread${feedback.items.length === 1 ? '' : 's'}):`];
  for (const item of feedback.items) {
    const where = item.path ? `${item.path}${item.line !== undefined ? `:${item.line}` : ''}` : 'general';
    lines.push('', `### ${where}${item.outdated ? ' (on an older version of the code)' : ''}`);
    for (const c of item.comments) lines.push(`@${c.author}: ${c.body.trim()}`);
  }
  if (feedback.truncated) lines.push('', '(GitHub returned only part of the feedback; look at the pull request for the rest.)');
  return lines.join('\n');
}
