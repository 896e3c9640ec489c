// The two ways the adapter lists a repository's things: `listingFor`, the poller's conditional
// reads of at most a few pages (ETag cache), and `everyPage`, every page under CALL_TIMEOUT_MS.
// Both fill owner and repo in from "owner/name"; the caller's route names the endpoint and, for
// everyPage, types the answer.
import type { PaginatingEndpoints } from '@octokit/plugin-paginate-rest';
import { CALL_TIMEOUT_MS, call, routeLabel, splitRepo, transportOf, type Transport } from './transport.js';
import type { GitHubClient, Listing } from './types.js';

/** How many pages a conditional listing reads at most (each function has its default). */
export interface PageLimit {
  maxPages?: number;
}

/** Pages 1…maxPages of `route` on `repo`; `pick` takes the items (and total_count) out of a page. */
export function listingFor<T, R>(
  t: Transport,
  repo: string,
  route: string,
  params: Record<string, unknown>,
  maxPages: number,
  pick: (data: R) => { items: T[]; total?: number },
): Promise<Listing<T>> {
  const { owner, name } = splitRepo(repo);
  return t.paged<T, R>(route, { owner, repo: name, ...params }, maxPages, pick);
}

type RepoParams<R extends keyof PaginatingEndpoints> = Omit<PaginatingEndpoints[R]['parameters'], 'owner' | 'repo'>;

/** Every page of `route` on `repo`, 100 a page; a failure names the route with its values. */
export async function everyPage<R extends keyof PaginatingEndpoints>(
  github: GitHubClient,
  repo: string,
  route: R,
  params: RepoParams<R>,
): Promise<PaginatingEndpoints[R]['response']['data']> {
  const t = transportOf(github);
  const { owner, name } = splitRepo(repo);
  const values: Record<string, unknown> = { owner, repo: name, ...params };
  const all = { ...values, per_page: 100, request: t.request(CALL_TIMEOUT_MS) };
  return call(routeLabel(route, values), () =>
    t.octokit.paginate(route, all as PaginatingEndpoints[R]['parameters']),
  ) as Promise<PaginatingEndpoints[R]['response']['data']>;
}
