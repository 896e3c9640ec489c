// Review feedback on a pull request: review threads come from GraphQL (REST has no "resolved"
// flag), inline review comments from REST (conditional, paginated). A comment's id is its REST id
// in both (GraphQL's 64-bit `fullDatabaseId`), so a comment in a resolved thread is known as such.
import { GitHubError, toGitHubError } from './errors.js';
import { listingFor, type PageLimit } from './listings.js';
import { splitRepo, type Transport } from './transport.js';
import type { Listing, ReviewComment, ReviewThreads } from './types.js';

export async function reviewThreads(t: Transport, repo: string, number: number): Promise<ReviewThreads> {
  const { owner, name } = splitRepo(repo);
  t.stats.graphql++;
  const ask = (query: string) =>
    t.octokit.graphql<RawThreadsQuery>(query, { owner, name, number, request: t.request() });
  let data: RawThreadsQuery;
  try {
    data = await ask(legacyIds.has(t) ? LEGACY_REVIEW_THREADS_QUERY : REVIEW_THREADS_QUERY).catch((error: unknown) => {
      if (!unknownFullDatabaseId(error)) throw error;
      // a GitHub Enterprise Server older than the field: its ids are still 32-bit
      legacyIds.add(t);
      t.stats.graphql++;
      return ask(LEGACY_REVIEW_THREADS_QUERY);
    });
  } catch (error) {
    t.stats.errors++;
    throw toGitHubError(`POST /graphql (reviewThreads of ${repo}#${number})`, error);
  }
  const connection = data.repository?.pullRequest?.reviewThreads;
  if (!connection) throw new GitHubError(`GitHub POST /graphql failed: no pull request ${repo}#${number}`, 404);
  let truncated = connection.pageInfo?.hasNextPage === true;
  const threads = (connection.nodes ?? [])
    .filter((n): n is RawThread => n !== null)
    .map((th) => {
      if (th.comments?.pageInfo?.hasNextPage) truncated = true;
      return {
        id: th.id,
        isResolved: th.isResolved === true,
        isOutdated: th.isOutdated === true,
        comments: (th.comments?.nodes ?? [])
          .filter((c): c is RawThreadComment => c !== null)
          .map((c, i) => ({
            id: commentId(c) ?? -(i + 1),
            body: c.body ?? '',
            author: c.author?.login ?? 'ghost',
            ...(c.path ? { path: c.path } : {}),
            ...(typeof c.line === 'number' ? { line: c.line } : {}),
            ...(c.url ? { url: c.url } : {}),
            ...(c.createdAt ? { createdAt: c.createdAt } : {}),
          })),
      };
    });
  return { threads, truncated };
}

export function listReviewComments(
  t: Transport,
  repo: string,
  number: number,
  opts: PageLimit = {},
): Promise<Listing<ReviewComment>> {
  return listingFor<ReviewComment, RawReviewComment[]>(
    t,
    repo,
    'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments',
    { pull_number: number },
    opts.maxPages ?? 3,
    (data) => ({
      items: data.map((c) => ({
        id: c.id,
        body: c.body ?? '',
        author: c.user?.login ?? 'ghost',
        ...(c.path ? { path: c.path } : {}),
        ...(typeof (c.line ?? c.original_line) === 'number' ? { line: (c.line ?? c.original_line) as number } : {}),
        ...(c.html_url ? { url: c.html_url } : {}),
        ...(c.created_at ? { createdAt: c.created_at } : {}),
      })),
    }),
  );
}

/** The REST id of a thread comment (a JS number is exact up to 2^53, as for the REST answers). */
function commentId(c: RawThreadComment): number | undefined {
  const id = Number(c.fullDatabaseId ?? c.databaseId ?? Number.NaN);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** Transports whose server does not know `fullDatabaseId` (asked with `databaseId` instead). */
const legacyIds = new WeakSet<Transport>();

/** GitHub's schema error for an unknown field ("Field 'fullDatabaseId' doesn't exist on type …"). */
function unknownFullDatabaseId(error: unknown): boolean {
  const errors = (error as { errors?: unknown } | null)?.errors;
  return (
    Array.isArray(errors) &&
    errors.some((e: { message?: unknown; extensions?: { code?: unknown; fieldName?: unknown } }) =>
      e.extensions?.code === 'undefinedField'
        ? e.extensions.fieldName === 'fullDatabaseId'
        : /fullDatabaseId/.test(String(e.message ?? '')),
    )
  );
}

const REVIEW_THREADS_QUERY = `query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100) {
        pageInfo { hasNextPage }
        nodes {
          id
          isResolved
          isOutdated
          comments(first: 50) {
            pageInfo { hasNextPage }
            nodes { fullDatabaseId body author { login } path line url createdAt }
          }
        }
      }
    }
  }
}`;

interface RawReviewComment {
  id: number;
  body?: string;
  user?: { login?: string } | null;
  path?: string;
  line?: number | null;
  original_line?: number | null;
  html_url?: string;
  created_at?: string;
}
const LEGACY_REVIEW_THREADS_QUERY = REVIEW_THREADS_QUERY.replace('fullDatabaseId', 'databaseId');

interface RawThreadComment {
  /** Only from a server without fullDatabaseId (32-bit there). */
  databaseId?: number | null;
  /** BigInt, sent as a string: the REST id. (The 32-bit `databaseId` is null past 2^31.) */
  fullDatabaseId?: string | number | null;
  body?: string;
  author?: { login?: string } | null;
  path?: string | null;
  line?: number | null;
  url?: string;
  createdAt?: string;
}
interface RawThread {
  id: string;
  isResolved?: boolean;
  isOutdated?: boolean;
  comments?: { pageInfo?: { hasNextPage?: boolean }; nodes?: Array<RawThreadComment | null> };
}
interface RawThreadsQuery {
  repository?: {
    pullRequest?: {
      reviewThreads?: { pageInfo?: { hasNextPage?: boolean }; nodes?: Array<RawThread | null> } | null;
    } | null;
  } | null;
}
