// Calls on one repository: `listingFor`, the poller's conditional reads of at most a few pages
// (ETag cache); `everyPage`, every page, and `repoRequest`, one request, under CALL_TIMEOUT_MS.
// All fill owner and repo in from "owner/name"; the caller's route names the endpoint and, for
// everyPage and repoRequest, types the answer.
import type { PaginatingEndpoints } from '@octokit/plugin-paginate-rest';
import type { Endpoints } from '@octokit/types';
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

type RequestParams<R extends keyof Endpoints> = Omit<Endpoints[R]['parameters'], 'owner' | 'repo'>;

/** One request of `route` on `repo` under CALL_TIMEOUT_MS; a failure names the route with its values. */
export async function repoRequest<R extends keyof Endpoints>(
  github: GitHubClient,
  repo: string,
  route: R,
  params: RequestParams<R>,
): Promise<Endpoints[R]['response']['data']> {
  const t = transportOf(github);
  const { owner, name } = splitRepo(repo);
  const values: Record<string, unknown> = { owner, repo: name, ...params };
  const all = { ...values, request: t.request(CALL_TIMEOUT_MS) };
  const response = await call(routeLabel(route, values), () => t.octokit.request(route, all as never));
  return response.data as Endpoints[R]['response']['data'];
}
