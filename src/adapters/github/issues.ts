// Issues and their comments, notifications, reactions and collaborator permissions: what
// mentions (`@bot rebase`) and the permission check read and write. Every page is fetched; a
// comment roshi posts goes through outgoingText (secret scrubber, then escapeMentions).
import { statusOf } from './errors.js';
import { everyPage, repoRequest } from './listings.js';
import { outgoingText } from './textPolicy.js';
import { CALL_TIMEOUT_MS, call, splitRepo, transportOf } from './transport.js';
import type { GitHubClient } from './types.js';

export interface NotificationThread {
  id: string;
  reason: string;
  updatedAt: string;
  /** owner/name */
  repo: string;
  /** 'Issue', 'PullRequest', 'Commit', 'Release', 'Discussion', … */
  type: string;
  title: string;
  /** API URL of the issue or PR (…/repos/o/r/issues/5 or …/pulls/5); null for some types. */
  subjectUrl: string | null;
  /** The issue or PR number parsed from subjectUrl. */
  number?: number;
}

/**
 * GET /notifications?participating=true&all=true&since=…, every page (GitHub's maximum page is
 * 50 here). `all=true` because a notification someone marked read in the web UI is still a
 * command; the cursor (`since`) is what keeps polls small. `pollIntervalMs` is GitHub's
 * X-Poll-Interval: how long it asks clients to wait before polling notifications again.
 */
export async function listParticipatingNotifications(
  github: GitHubClient,
  since: string,
): Promise<{ threads: NotificationThread[]; serverDate?: string; pollIntervalMs?: number }> {
  const t = transportOf(github);
  let serverDate: string | undefined;
  let pollIntervalMs: number | undefined;
  const threads = await call('GET /notifications', () =>
    t.octokit.paginate(
      t.octokit.rest.activity.listNotificationsForAuthenticatedUser,
      { participating: true, all: true, since, per_page: 50, request: t.request(CALL_TIMEOUT_MS) },
      (response) => {
        serverDate ??= typeof response.headers.date === 'string' ? response.headers.date : undefined;
        pollIntervalMs ??= pollIntervalOf(response.headers['x-poll-interval']);
        return response.data;
      },
    ),
  );
  return {
    threads: threads.map((t) => {
      const subjectUrl = t.subject.url ?? null;
      const number = subjectUrl ? /\/(?:issues|pulls)\/(\d+)$/.exec(subjectUrl)?.[1] : undefined;
      return {
        id: t.id,
        reason: t.reason,
        updatedAt: t.updated_at,
        repo: t.repository.full_name,
        type: t.subject.type,
        title: t.subject.title,
        subjectUrl,
        ...(number === undefined ? {} : { number: Number(number) }),
      };
    }),
    ...(serverDate === undefined ? {} : { serverDate }),
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
  };
}

/** X-Poll-Interval (whole seconds) in ms; anything else is no interval, at most an hour. */
function pollIntervalOf(header: unknown): number | undefined {
  const seconds = typeof header === 'string' || typeof header === 'number' ? Number(header) : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 3_600) * 1_000 : undefined;
}

export interface IssueComment {
  id: number;
  body: string;
  login: string;
  /** 'User', 'Bot', 'Organization' */
  userType: string;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
  /** 👍 count from the comment's reaction rollup; undefined when GitHub did not send one. */
  plusOnes?: number;
}

/** GET /repos/{o}/{r}/issues/{n}/comments?since=…, every page, oldest first (GitHub's order). */
export async function listIssueComments(
  github: GitHubClient,
  repo: string,
  number: number,
  since?: string,
): Promise<IssueComment[]> {
  const comments = await everyPage(github, repo, 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    issue_number: number,
    ...(since === undefined ? {} : { since }),
  });
  return comments.map((c) => ({
    id: c.id,
    body: c.body ?? '',
    login: c.user?.login ?? '',
    userType: c.user?.type ?? 'User',
    htmlUrl: c.html_url,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    ...(c.reactions === undefined ? {} : { plusOnes: c.reactions['+1'] }),
  }));
}

export interface IssueText {
  title: string;
  body: string;
  login: string;
  htmlUrl: string;
}

/** GET /repos/{o}/{r}/issues/{n}: the title, body and author of an issue (or of a PR, as an issue). */
export async function getIssue(github: GitHubClient, repo: string, number: number): Promise<IssueText> {
  const data = await repoRequest(github, repo, 'GET /repos/{owner}/{repo}/issues/{issue_number}', {
    issue_number: number,
  });
  return { title: data.title, body: data.body ?? '', login: data.user?.login ?? 'ghost', htmlUrl: data.html_url };
}

/** Logins that reacted 👍 to an issue comment (GET …/issues/comments/{id}/reactions?content=+1, every page). */
export async function plusOneLogins(github: GitHubClient, repo: string, commentId: number): Promise<string[]> {
  const reactions = await everyPage(github, repo, 'GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
    comment_id: commentId,
    content: '+1',
  });
  return reactions.filter((r) => r.content === '+1').map((r) => r.user?.login ?? '');
}

/** POST …/issues/comments/{id}/reactions { content: '+1' }: 201 new, 200 when it was already there. */
export async function addPlusOne(github: GitHubClient, repo: string, commentId: number): Promise<void> {
  await repoRequest(github, repo, 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
    comment_id: commentId,
    content: '+1',
  });
}

/** POST /repos/{o}/{r}/issues/{n}/comments with the body passed through outgoingText (scrubbed, mentions escaped). */
export async function postIssueComment(
  github: GitHubClient,
  repo: string,
  number: number,
  body: string,
): Promise<{ id: number; url: string }> {
  const data = await repoRequest(github, repo, 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    issue_number: number,
    body: outgoingText(body),
  });
  return { id: Number(data.id), url: data.html_url };
}

/**
 * GET /repos/{o}/{r}/collaborators/{login}/permission. `permission` is the base level (admin,
 * write, read, none: maintain shows as write, triage as read); `roleName` the role (admin,
 * maintain, write, triage, read or a custom role). A 404 (not a collaborator, or no such user)
 * is `none`.
 */
export async function collaboratorPermission(
  github: GitHubClient,
  repo: string,
  login: string,
): Promise<{ permission: string; roleName: string }> {
  try {
    const data = await repoRequest(github, repo, 'GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
      username: login,
    });
    return { permission: data.permission, roleName: data.role_name ?? data.permission };
  } catch (error) {
    if (statusOf(error) === 404) return { permission: 'none', roleName: 'none' };
    throw error;
  }
}
