// `@<bot> <command> [args]` in issue and pull-request comments → missions: one poll reads the
// participating notifications since the cursor, then each notified thread's comments, and hands
// every command comment to mentionHandle.ts. Why notifications, the cursor and retries:
// docs/github-mentions.md#how-mentions-are-found; who may command: docs/github-mentions.md#commands-by-mention;
// GitHub's X-Poll-Interval: docs/github.md#notifications-and-x-poll-interval.
import {
  listIssueComments,
  listParticipatingNotifications,
  type GitHubClient,
  type IssueComment,
  type PullHeadInfo,
} from '../adapters/github/index.js';
import { baseOutcome, commandOf, handleComment } from './mentionHandle.js';
import { parseMention } from './mentionParse.js';
import {
  CURSOR_OVERLAP_MS,
  FIRST_POLL_LOOKBACK_MS,
  MAX_MENTION_ATTEMPTS,
  sameLogin,
  type MentionContext,
  type MentionOutcome,
  type MentionResult,
} from './mentionTypes.js';
import { createAuthorizer } from './permissions.js';

export {
  MAX_ARGS_LENGTH,
  MENTION_COMMANDS,
  parseMention,
  type MentionCommand,
  type ParsedMention,
} from './mentionParse.js';
export {
  createMentionMemory,
  CURSOR_OVERLAP_MS,
  FIRST_POLL_LOOKBACK_MS,
  MAX_ISSUE_TEXT,
  MAX_MENTION_ATTEMPTS,
  type MentionAction,
  type MentionContext,
  type MentionMemory,
  type MentionOutcome,
  type MentionResult,
} from './mentionTypes.js';

const loginCache = new WeakMap<GitHubClient, Promise<string>>();

/** botLogin, or the token's own login (GET /user), looked up once per client. */
export async function resolveBotLogin(github: GitHubClient, botLogin: string): Promise<string> {
  if (botLogin.trim() !== '') return botLogin.trim();
  let pending = loginCache.get(github);
  if (!pending) {
    pending = github.viewerLogin();
    loginCache.set(github, pending);
    pending.catch(() => loginCache.delete(github)); // a failed lookup is retried next poll
  }
  return pending;
}

/** ISO 8601 to the second (`YYYY-MM-DDTHH:MM:SSZ`), the form GitHub documents for `since`. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A poll's result, with GitHub's X-Poll-Interval when it sent one. */
export type PolledMentions = MentionResult & { pollIntervalMs?: number };

/** When the next notifications poll may go out (ctx.now() clock); kept by the caller between polls. */
export interface NotificationPace {
  notBefore: number;
}

/**
 * pollMentions, unless GitHub's last X-Poll-Interval has not passed yet (undefined then): GitHub
 * asks clients not to poll notifications more often, whatever the poller's own cadence.
 */
export async function pollMentionsWhenDue(
  ctx: MentionContext,
  pace: NotificationPace,
): Promise<PolledMentions | undefined> {
  const started = ctx.now();
  if (started < pace.notBefore) return undefined;
  const result = await pollMentions(ctx);
  pace.notBefore = started + (result.pollIntervalMs ?? 0);
  return result;
}

/** One poll: every new command comment in registered repositories becomes a mission or a reply. */
export async function pollMentions(ctx: MentionContext): Promise<PolledMentions> {
  const log = ctx.logger.child({ component: 'mentions' });
  const bot = await resolveBotLogin(ctx.github, ctx.botLogin);
  const since = ctx.since ?? isoSeconds(ctx.now() - FIRST_POLL_LOOKBACK_MS);
  const { threads, serverDate, pollIntervalMs } = await listParticipatingNotifications(ctx.github, since);

  const registered = new Set(ctx.repos.map((r) => r.trim().toLowerCase()));
  const authorizer = ctx.authorizer ?? createAuthorizer(ctx.github, { authorizedUsers: ctx.authorizedUsers });
  const outcomes: MentionOutcome[] = [];
  const reported: string[] = [];
  let failed = 0;

  const ordered = [...threads].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  for (const thread of ordered) {
    if ((thread.type !== 'Issue' && thread.type !== 'PullRequest') || thread.number === undefined) continue;
    const repoKey = thread.repo.toLowerCase();
    if (!registered.has(repoKey)) {
      if ((thread.reason === 'mention' || thread.reason === 'team_mention') && !ctx.reportedRepos.has(repoKey)) {
        try {
          await ctx.notify(
            `GitHub: I was mentioned in ${thread.repo} (“${thread.title}”), which is not in prPoller.repos, so I ignore commands there. Add it to prPoller.repos to take them.`,
          );
          ctx.reportedRepos.add(repoKey);
          reported.push(thread.repo);
          log.info({ repo: thread.repo }, 'mention in an unregistered repository reported');
        } catch (error) {
          log.warn(
            { repo: thread.repo, err: String(error) },
            'could not report a mention in an unregistered repository',
          );
        }
      }
      continue;
    }

    let comments: IssueComment[];
    try {
      comments = await listIssueComments(ctx.github, thread.repo, thread.number, since);
    } catch (error) {
      failed += 1;
      log.warn(
        { repo: thread.repo, number: thread.number, err: String(error) },
        'could not read the comments of a notified thread; retrying next poll',
      );
      continue;
    }

    let pr: Promise<PullHeadInfo> | undefined;
    const prHead = () => (pr ??= ctx.github.pullRequestHead(thread.repo, thread.number as number));

    for (const comment of comments) {
      if (sameLogin(comment.login, bot)) continue; // roshi's own replies
      const parsed = parseMention(comment.body, bot);
      if (!parsed) continue;
      const key = `${repoKey}#${comment.id}`;
      if (ctx.memory?.done.has(key)) continue;
      try {
        const outcome = await handleComment(ctx, { thread, comment, parsed, bot, authorizer, prHead, log });
        ctx.memory?.done.add(key);
        ctx.memory?.failures.delete(key);
        ctx.memory?.queued.delete(key);
        if (outcome) outcomes.push(outcome);
      } catch (error) {
        const attempts = (ctx.memory?.failures.get(key) ?? 0) + 1;
        const reason = error instanceof Error ? error.message : String(error);
        if (ctx.memory && attempts >= MAX_MENTION_ATTEMPTS) {
          ctx.memory.failures.delete(key);
          ctx.memory.queued.delete(key);
          ctx.memory.done.add(key);
          log.error(
            { repo: thread.repo, number: thread.number, commentId: comment.id, attempts, err: reason },
            'giving up on a mention',
          );
          await ctx
            .notify(
              `GitHub: gave up on @${comment.login}'s command in ${thread.repo}#${thread.number} after ${attempts} attempts: ${reason} (${comment.htmlUrl})`,
            )
            .catch((e: unknown) => log.warn({ err: String(e) }, 'could not notify'));
          outcomes.push({ ...baseOutcome(thread, comment), ...commandOf(parsed), action: 'gave_up', detail: reason });
        } else {
          ctx.memory?.failures.set(key, attempts);
          failed += 1;
          log.warn(
            { repo: thread.repo, number: thread.number, commentId: comment.id, attempts, err: reason },
            'could not handle a mention; retrying next poll',
          );
        }
      }
    }
  }

  // Advance the cursor only when everything seen was handled, and never backwards.
  const serverNow = serverDate === undefined ? Number.NaN : Date.parse(serverDate);
  const clock = Number.isFinite(serverNow) ? serverNow : ctx.now();
  let next = since;
  if (failed === 0) {
    const candidate = clock - CURSOR_OVERLAP_MS;
    if (candidate > Date.parse(since)) next = isoSeconds(candidate);
  }
  return {
    since: next,
    botLogin: bot,
    outcomes,
    reported,
    failed,
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
  };
}
