// A local stand-in for the GitHub REST API (node:http on 127.0.0.1, random port), answering in
// GitHub's documented shapes, for octokit pointed at `url` (as `baseUrl`/`apiUrl`). Paths are
// accepted with or without the GitHub Enterprise Server prefix `/api/v3`.
//
// Built-in routes:
//   GET  /rate_limit
//   GET  /user                                         the token's login
//   GET  /repos/{owner}/{repo}/pulls                   state, head (owner:branch), base, per_page, page; Link header
//   POST /repos/{owner}/{repo}/pulls                   201 with the PR; 422 "A pull request already exists for …"
//   GET  /repos/{owner}/{repo}/pulls/{number}
//   GET  /repos/{owner}/{repo}/pulls/{number}/comments review comments (every comment of every thread), paginated
//   GET  /repos/{owner}/{repo}/commits/{ref}/check-runs { total_count, check_runs }, paginated (per_page ≤ 100)
//   GET  /repos/{owner}/{repo}/commits/{ref}/status    combined status { state, statuses, total_count, sha }
//   GET  /repos/{owner}/{repo}/actions/runs?head_sha=  { total_count, workflow_runs }, paginated
//   GET  /repos/{owner}/{repo}/actions/jobs/{id}/logs  302 to /_logs/… (text/plain, no auth, as GitHub's
//                                                      storage URL), 404 when the job has no log
//   POST /graphql (and /api/graphql, GHES)             repository.pullRequest.reviewThreads
// Every route but /rate_limit and the log storage requires `Authorization: token <t>` or
// `Bearer <t>` (401 "Bad credentials" otherwise). GET answers carry a weak ETag and honour
// If-None-Match (304), as GitHub's conditional requests do. CI and reviews are set with
// setCheckRuns, setStatuses, setWorkflowRuns, setJobLog and addReviewThread; a PR's head moves
// with setPullHead, or by itself with followBranches (the head of every open PR read from a
// real git remote). Tests add routes with `addRoute`; faults are injected with `failNext`.
// Requests are recorded with secrets redacted.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pageOf } from './githubPages.js';
import { HttpFake, jsonOrText, readBody, sendJson as sendJsonBody } from './httpFake.js';

export interface RecordedRequest {
  method: string;
  /** Path with query string, the /api/v3 prefix removed. */
  path: string;
  /** Lower-case header names; authorization and cookies replaced by `[redacted]`. */
  headers: Record<string, string>;
  /** Whether the request carried the right token. */
  authorized: boolean;
  body: unknown;
  at: number;
}

export interface RouteResult {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as text/plain instead of a JSON body. */
  text?: string;
  headers?: Record<string, string>;
}

export interface RouteContext {
  method: string;
  /** The path without query and prefix, e.g. /repos/o/r/pulls. */
  pathname: string;
  query: URLSearchParams;
  /** `:name` segments of the route's path. */
  params: Record<string, string>;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  request: RecordedRequest;
  fake: FakeGitHub;
}

export interface Route {
  method: string;
  /** A template such as `/repos/:owner/:repo/pulls/:number`. */
  path: string;
  /** Default true: 401 without the token. */
  auth?: boolean;
  handler: (ctx: RouteContext) => RouteResult | Promise<RouteResult>;
}

export interface Fault {
  method: string;
  /** A route template or an exact path (no query). */
  path: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Only requests whose (parsed JSON) body this accepts fail, e.g. one PR's GraphQL query. */
  when?: (body: unknown) => boolean;
}

export interface FakePull {
  id: number;
  number: number;
  /** 'owner/name' of the base repository. */
  repo: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  merged: boolean;
  head: { ref: string; sha: string; owner: string };
  base: { ref: string; sha: string };
  user: string;
  createdAt: string;
  updatedAt: string;
  /** GitHub's merge box (clean, unstable, blocked, behind, dirty, draft, unknown); default below in pullJson. */
  mergeableState?: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  conclusion:
    | 'success'
    | 'failure'
    | 'neutral'
    | 'cancelled'
    | 'skipped'
    | 'timed_out'
    | 'action_required'
    | 'stale'
    | null;
  /** App slug; default github-actions (its check runs are Actions jobs, with the same id). */
  app: string;
  /** check_suite.id: an Actions job's suite is its workflow run's check_suite_id. */
  checkSuiteId?: number;
}

export interface FakeStatus {
  context: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  description?: string;
  targetUrl?: string;
}

export interface FakeWorkflowRun {
  id: number;
  name: string;
  status: 'requested' | 'queued' | 'in_progress' | 'completed' | 'waiting' | 'pending';
  conclusion: FakeCheckRun['conclusion'] | 'startup_failure';
  event: string;
  /** workflow_id, run_number, run_attempt, check_suite_id, path: sent when set (a re-triggered workflow). */
  workflowId?: number;
  runNumber?: number;
  runAttempt?: number;
  checkSuiteId?: number;
  path?: string;
}

export interface FakeReviewComment {
  id: number;
  body: string;
  author: string;
  path: string;
  line: number | null;
  createdAt: string;
}

export interface FakeReviewThread {
  /** GraphQL node id. */
  id: string;
  repo: string;
  number: number;
  isResolved: boolean;
  isOutdated: boolean;
  comments: FakeReviewComment[];
}

export interface FakeGitHubOptions {
  /** The token requests must carry (default 'ghp_fake_token'). */
  token?: string;
  /** Web host for html_url (default https://github.com). */
  htmlBase?: string;
  /** The login the token belongs to (default 'roshi-bot'). */
  login?: string;
  /**
   * The commit of a branch, to fill head.sha/base.sha and to refuse a PR whose head does not
   * exist (422, as GitHub does). Default: any branch exists, with a random sha.
   */
  branchSha?: (repo: string, branch: string) => string | undefined;
}

export interface FakeGitHub {
  url: string;
  token: string;
  requests: RecordedRequest[];
  /** Requests for a method and a path prefix (query ignored), in order. */
  requestsTo(method: string, pathPrefix: string): RecordedRequest[];
  /** All pull requests of a base repository. */
  pulls(repo: string): FakePull[];
  addPull(
    repo: string,
    pull: Partial<Omit<FakePull, 'repo' | 'head' | 'base'>> & {
      head: Partial<FakePull['head']> & { ref: string };
      base?: Partial<FakePull['base']>;
    },
  ): FakePull;
  /** Serialises a pull request the way the REST API does. */
  pullJson(pull: FakePull): Record<string, unknown>;
  addRoute(route: Route): void;
  failNext(fault: Fault): void;
  /** Moves an open PR's head (a push) and bumps its updated_at. */
  setPullHead(repo: string, number: number, sha: string): void;
  /** From now on the head of every open PR is read through `resolve` at each request (undefined keeps it). */
  followBranches(resolve: (repo: string, branch: string) => string | undefined): void;
  /** Replaces the check runs of a commit; ids are assigned when not given. */
  setCheckRuns(repo: string, sha: string, runs: Array<Partial<FakeCheckRun> & { name: string }>): FakeCheckRun[];
  /** Replaces the commit statuses of a commit. */
  setStatuses(repo: string, sha: string, statuses: Array<Partial<FakeStatus> & { context: string }>): void;
  /** Replaces the workflow runs of a head commit. */
  setWorkflowRuns(
    repo: string,
    sha: string,
    runs: Array<Partial<FakeWorkflowRun> & { name: string }>,
  ): FakeWorkflowRun[];
  /** The log of an Actions job (served through a 302, as GitHub does). */
  setJobLog(repo: string, jobId: number, text: string): void;
  /** A review thread on a PR; bumps the PR's updated_at. */
  addReviewThread(
    repo: string,
    number: number,
    thread: {
      isResolved?: boolean;
      isOutdated?: boolean;
      /** `id` (the REST id) is assigned when not given; give one past 2^31 to test 64-bit ids. */
      comments: Array<Partial<FakeReviewComment> & { body: string }>;
    },
  ): FakeReviewThread;
  /** Adds a reply to a thread; bumps the PR's updated_at. */
  replyToThread(
    threadId: string,
    comment: Partial<Omit<FakeReviewComment, 'id'>> & { body: string },
  ): FakeReviewComment;
  resolveThread(threadId: string): void;
  /** Remaining core quota reported in x-ratelimit-* headers and /rate_limit. */
  rateLimit: { limit: number; remaining: number; reset: number };
  stop(): Promise<void>;
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
const DOCS = 'https://docs.github.com/rest';

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const token = options.token ?? 'ghp_fake_token';
  const htmlBase = (options.htmlBase ?? 'https://github.com').replace(/\/+$/, '');
  const login = options.login ?? 'roshi-bot';
  const requests: RecordedRequest[] = [];
  const routes: Array<Route & { regex: RegExp; names: string[] }> = [];
  const faults: Array<Fault & { remaining: number }> = [];
  const pullsByRepo = new Map<string, FakePull[]>();
  const checkRuns = new Map<string, FakeCheckRun[]>();
  const statuses = new Map<string, FakeStatus[]>();
  const workflowRuns = new Map<string, FakeWorkflowRun[]>();
  const jobLogs = new Map<string, string>();
  const threads: FakeReviewThread[] = [];
  let followHeads: ((repo: string, branch: string) => string | undefined) | undefined;
  let nextId = 1_000;
  /** What check runs and workflow runs share, unset fields at GitHub's defaults: completed, success. */
  const ciRun = <S extends string, C>(r: { id?: number; name: string; status?: S; conclusion?: C }) => ({
    id: r.id ?? ++nextId,
    name: r.name,
    status: r.status ?? ('completed' as const),
    conclusion: r.conclusion ?? (r.status && r.status !== 'completed' ? null : ('success' as const)),
  });
  const rateLimit = { limit: 5000, remaining: 5000, reset: Math.floor(Date.now() / 1000) + 3600 };

  const compile = (template: string) => {
    const names: string[] = [];
    const source = template
      .split('/')
      .map((part) => {
        if (part.startsWith(':')) {
          names.push(part.slice(1));
          return '([^/]+)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    return { regex: new RegExp(`^${source}/?$`), names };
  };

  function addRoute(route: Route): void {
    // Later routes win, so a test can override a built-in one.
    routes.unshift({ ...route, ...compile(route.path) });
  }

  function baseUrlOf(req: IncomingMessage): string {
    return `http://${req.headers.host ?? '127.0.0.1'}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = jsonOrText(await readBody(req));
    const method = req.method ?? 'GET';
    const full = new URL(req.url ?? '/', baseUrlOf(req));
    const prefix = full.pathname.startsWith('/api/v3/') || full.pathname === '/api/v3' ? '/api/v3' : '';
    const pathname = full.pathname.slice(prefix.length) || '/';
    const auth = req.headers.authorization ?? '';
    const authorized = auth === `token ${token}` || auth === `Bearer ${token}`;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers[name] = SECRET_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
    }
    const recorded: RecordedRequest = {
      method,
      path: pathname + full.search,
      headers,
      authorized,
      body,
      at: Date.now(),
    };
    requests.push(recorded);

    const common: Record<string, string> = {
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': String(rateLimit.limit),
      'x-ratelimit-remaining': String(rateLimit.remaining),
      'x-ratelimit-reset': String(rateLimit.reset),
      'x-ratelimit-used': String(rateLimit.limit - rateLimit.remaining),
      'x-ratelimit-resource': 'core',
    };

    const faultIndex = faults.findIndex(
      (f) =>
        f.method === method &&
        (f.path === pathname || compile(f.path).regex.test(pathname)) &&
        (f.when === undefined || f.when(body)),
    );
    const fault = faultIndex >= 0 ? faults[faultIndex] : undefined;
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) faults.splice(faultIndex, 1);
      sendJson(
        res,
        fault.status,
        fault.body ?? { message: 'fault injected', documentation_url: DOCS, status: String(fault.status) },
        {
          ...common,
          ...fault.headers,
        },
      );
      return;
    }

    for (const route of routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(pathname);
      if (!m) continue;
      if ((route.auth ?? true) && !authorized) {
        sendJson(res, 401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' }, common);
        return;
      }
      if (route.auth ?? true) rateLimit.remaining = Math.max(0, rateLimit.remaining - 1);
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] ?? '')));
      const result = await route.handler({
        method,
        pathname,
        query: full.searchParams,
        params,
        body,
        headers: req.headers,
        request: recorded,
        fake,
      });
      const out = { ...common, ...result.headers };
      if (method === 'GET' && result.status === 200 && (result.body !== undefined || result.text !== undefined)) {
        const etag = `W/"${createHash('sha1')
          .update(result.text ?? JSON.stringify(result.body))
          .digest('hex')}"`;
        out.etag = etag;
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, out).end();
          return;
        }
      }
      if (result.text !== undefined)
        res.writeHead(result.status, { 'content-type': 'text/plain; charset=utf-8', ...out }).end(result.text);
      else if (result.body === undefined) res.writeHead(result.status, out).end();
      else sendJson(res, result.status, result.body, out);
      return;
    }
    sendJson(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' }, common);
  }

  const shaOf = (repo: string, branch: string): string | undefined =>
    options.branchSha ? options.branchSha(repo, branch) : createHash('sha1').update(`${repo}:${branch}`).digest('hex');

  function pullsOf(repo: string): FakePull[] {
    let list = pullsByRepo.get(repo);
    if (!list) {
      list = [];
      pullsByRepo.set(repo, list);
    }
    return list;
  }

  /** With followBranches, an open PR's head is whatever its branch points at now (a push moved it). */
  function refreshHeads(repo: string): FakePull[] {
    const list = pullsOf(repo);
    if (!followHeads) return list;
    for (const pull of list) {
      if (pull.state !== 'open') continue;
      const sha =
        followHeads(`${pull.head.owner}/${repo.split('/')[1] ?? ''}`, pull.head.ref) ??
        followHeads(repo, pull.head.ref);
      if (sha !== undefined && sha !== pull.head.sha) {
        pull.head.sha = sha;
        pull.updatedAt = new Date().toISOString();
      }
    }
    return list;
  }

  function findPull(repo: string, number: number): FakePull | undefined {
    return refreshHeads(repo).find((p) => p.number === number);
  }

  const notFound = (): RouteResult => ({
    status: 404,
    body: { message: 'Not Found', documentation_url: DOCS, status: '404' },
  });

  /** One page of a listing, with GitHub's Link header (prev, next, last, first) when there are several. */
  function paginate<T>(
    list: T[],
    query: URLSearchParams,
    request: RecordedRequest,
  ): { page: T[]; headers: Record<string, string> } {
    return pageOf(list, query, `${url}${request.path}`);
  }

  function addPull(repo: string, input: Parameters<FakeGitHub['addPull']>[1]): FakePull {
    const list = pullsOf(repo);
    const owner = repo.split('/')[0] ?? '';
    const now = new Date().toISOString();
    const number = (list.reduce((max, p) => Math.max(max, p.number), 0) || 0) + 1;
    const pull: FakePull = {
      id: ++nextId,
      number: input.number ?? number,
      repo,
      title: input.title ?? `PR ${number}`,
      body: input.body ?? null,
      state: input.state ?? 'open',
      draft: input.draft ?? false,
      merged: input.merged ?? false,
      head: {
        ref: input.head.ref,
        owner: input.head.owner ?? owner,
        sha: input.head.sha ?? shaOf(repo, input.head.ref) ?? '0'.repeat(40),
      },
      base: {
        ref: input.base?.ref ?? 'main',
        sha: input.base?.sha ?? shaOf(repo, input.base?.ref ?? 'main') ?? '0'.repeat(40),
      },
      user: input.user ?? login,
      createdAt: input.createdAt ?? now,
      updatedAt: input.updatedAt ?? now,
    };
    list.push(pull);
    return pull;
  }

  const user = (name: string) => ({
    login: name,
    id: createHash('sha1').update(name).digest().readUInt32BE(0),
    type: name.endsWith('[bot]') ? 'Bot' : 'User',
    html_url: `${htmlBase}/${name}`,
  });
  const repoJson = (fullName: string) => {
    const [owner = '', name = ''] = fullName.split('/');
    return {
      id: createHash('sha1').update(fullName).digest().readUInt32BE(0),
      name,
      full_name: fullName,
      owner: user(owner),
      private: false,
      html_url: `${htmlBase}/${fullName}`,
      default_branch: 'main',
    };
  };

  function pullJson(p: FakePull): Record<string, unknown> {
    const apiBase = url;
    const repoName = p.repo.split('/')[1] ?? '';
    const headRepo = `${p.head.owner}/${repoName}`;
    return {
      id: p.id,
      node_id: `PR_${Buffer.from(String(p.id)).toString('base64')}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      body: p.body,
      user: user(p.user),
      draft: p.draft,
      merged: p.merged,
      url: `${apiBase}/repos/${p.repo}/pulls/${p.number}`,
      html_url: `${htmlBase}/${p.repo}/pull/${p.number}`,
      diff_url: `${htmlBase}/${p.repo}/pull/${p.number}.diff`,
      issue_url: `${apiBase}/repos/${p.repo}/issues/${p.number}`,
      head: {
        label: `${p.head.owner}:${p.head.ref}`,
        ref: p.head.ref,
        sha: p.head.sha,
        user: user(p.head.owner),
        repo: repoJson(headRepo),
      },
      base: {
        label: `${p.repo.split('/')[0] ?? ''}:${p.base.ref}`,
        ref: p.base.ref,
        sha: p.base.sha,
        user: user(p.repo.split('/')[0] ?? ''),
        repo: repoJson(p.repo),
      },
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      closed_at: p.state === 'closed' ? p.updatedAt : null,
      merged_at: p.merged ? p.updatedAt : null,
      // As GitHub answers: null/'unknown' once closed or while computing, else the merge box's state.
      ...mergeBoxOf(p),
    };
  }

  function mergeBoxOf(p: FakePull): { mergeable: boolean | null; mergeable_state: string; rebaseable: boolean | null } {
    const state = p.mergeableState ?? (p.state !== 'open' ? 'unknown' : p.draft ? 'draft' : 'clean');
    const mergeable = state === 'unknown' ? null : state !== 'dirty';
    return { mergeable, mergeable_state: state, rebaseable: mergeable };
  }

  const validation = (errors: Array<Record<string, string>>) => ({
    status: 422,
    body: {
      message: 'Validation Failed',
      errors,
      documentation_url: `${DOCS}/pulls/pulls#create-a-pull-request`,
      status: '422',
    },
  });

  // ─── built-in routes ───────────────────────────────────────────────────────────────────────

  addRoute({
    method: 'GET',
    path: '/rate_limit',
    auth: false,
    handler: () => {
      const core = {
        limit: rateLimit.limit,
        used: rateLimit.limit - rateLimit.remaining,
        remaining: rateLimit.remaining,
        reset: rateLimit.reset,
      };
      const other = { limit: 30, used: 0, remaining: 30, reset: rateLimit.reset };
      return {
        status: 200,
        body: { resources: { core, search: other, graphql: { ...core }, integration_manifest: other }, rate: core },
      };
    },
  });

  addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/pulls',
    handler: ({ params, query, request }) => {
      const repo = `${params.owner}/${params.repo}`;
      const state = query.get('state') ?? 'open';
      const head = query.get('head');
      const base = query.get('base');
      let list = refreshHeads(repo).filter((p) => state === 'all' || p.state === state);
      if (head) {
        const [owner, ref] = head.includes(':') ? (head.split(/:(.*)/s) as [string, string]) : [undefined, head];
        list = list.filter(
          (p) => p.head.ref === ref && (owner === undefined || p.head.owner.toLowerCase() === owner.toLowerCase()),
        );
      }
      if (base) list = list.filter((p) => p.base.ref === base);
      list = [...list].sort((a, b) => b.number - a.number); // GitHub's default: newest first
      const { page, headers } = paginate(list, query, request);
      // A listing has no merge box: GitHub computes mergeability for a single PR only.
      const listed = page.map((p) => {
        const { mergeable: _m, mergeable_state: _s, rebaseable: _r, ...rest } = pullJson(p);
        return rest;
      });
      return { status: 200, body: listed, headers };
    },
  });

  addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/pulls/:number',
    handler: ({ params }) => {
      const pull = findPull(`${params.owner}/${params.repo}`, Number(params.number));
      return pull ? { status: 200, body: pullJson(pull) } : notFound();
    },
  });

  addRoute({
    method: 'POST',
    path: '/repos/:owner/:repo/pulls',
    handler: ({ params, body }) => {
      const repo = `${params.owner}/${params.repo}`;
      const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      const str = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : undefined);
      const missing = ['head', 'base', 'title'].filter((key) => !str(key));
      if (missing.length > 0)
        return validation(missing.map((field) => ({ resource: 'PullRequest', field, code: 'missing_field' })));
      const headSpec = str('head') ?? '';
      const [headOwner, headRef] = headSpec.includes(':')
        ? (headSpec.split(/:(.*)/s) as [string, string])
        : [params.owner ?? '', headSpec];
      const base = str('base') ?? '';
      const headSha = shaOf(`${headOwner}/${params.repo}`, headRef);
      if (headSha === undefined) return validation([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
      const baseSha = shaOf(repo, base);
      if (baseSha === undefined) return validation([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      if (headSha === baseSha || (headOwner === params.owner && headRef === base)) {
        return validation([
          { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${headRef}` },
        ]);
      }
      const duplicate = pullsOf(repo).some(
        (p) => p.state === 'open' && p.head.ref === headRef && p.head.owner === headOwner && p.base.ref === base,
      );
      if (duplicate) {
        return validation([
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${headOwner}:${headRef}.`,
          },
        ]);
      }
      const pull = addPull(repo, {
        title: str('title') ?? '',
        body: str('body') ?? null,
        draft: input.draft === true,
        head: { ref: headRef, owner: headOwner, sha: headSha },
        base: { ref: base, sha: baseSha },
      });
      return { status: 201, body: pullJson(pull), headers: { location: `${url}/repos/${repo}/pulls/${pull.number}` } };
    },
  });

  addRoute({
    method: 'GET',
    path: '/user',
    handler: () => ({ status: 200, body: { ...user(login), name: login, site_admin: false } }),
  });

  const commitKey = (repo: string, sha: string) => `${repo}@${sha}`;

  addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/commits/:ref/check-runs',
    handler: ({ params, query, request }) => {
      const repo = `${params.owner}/${params.repo}`;
      const sha = resolveRef(repo, params.ref ?? '');
      const runs = checkRuns.get(commitKey(repo, sha)) ?? [];
      const { page, headers } = paginate(runs, query, request);
      return {
        status: 200,
        headers,
        body: {
          total_count: runs.length,
          check_runs: page.map((r) => ({
            id: r.id,
            node_id: `CR_${r.id}`,
            head_sha: sha,
            external_id: '',
            name: r.name,
            status: r.status,
            conclusion: r.status === 'completed' ? r.conclusion : null,
            html_url: `${htmlBase}/${repo}/runs/${r.id}`,
            details_url: `${htmlBase}/${repo}/actions/runs/${r.id}/job/${r.id}`,
            started_at: new Date(0).toISOString(),
            completed_at: r.status === 'completed' ? new Date(0).toISOString() : null,
            output: { title: null, summary: null, text: null, annotations_count: 0 },
            app: { id: 15368, slug: r.app, name: r.app === 'github-actions' ? 'GitHub Actions' : r.app },
            ...(r.checkSuiteId !== undefined ? { check_suite: { id: r.checkSuiteId } } : {}),
            pull_requests: [],
          })),
        },
      };
    },
  });

  addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/commits/:ref/status',
    handler: ({ params, query, request }) => {
      const repo = `${params.owner}/${params.repo}`;
      const sha = resolveRef(repo, params.ref ?? '');
      const list = statuses.get(commitKey(repo, sha)) ?? [];
      // GitHub's combined state: failure if any failure or error, else pending if any pending
      // (or none at all), else success.
      const state = list.some((s) => s.state === 'failure' || s.state === 'error')
        ? 'failure'
        : list.length === 0 || list.some((s) => s.state === 'pending')
          ? 'pending'
          : 'success';
      const { page, headers } = paginate(list, query, request);
      return {
        status: 200,
        headers,
        body: {
          state,
          sha,
          total_count: list.length,
          statuses: page.map((s, i) => ({
            id: i + 1,
            state: s.state,
            context: s.context,
            description: s.description ?? null,
            target_url: s.targetUrl ?? null,
            created_at: new Date(0).toISOString(),
            updated_at: new Date(0).toISOString(),
          })),
          repository: repoJson(repo),
          commit_url: `${url}/repos/${repo}/commits/${sha}`,
          url: `${url}/repos/${repo}/commits/${sha}/status`,
        },
      };
    },
  });

  addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/actions/runs',
    handler: ({ params, query, request }) => {
      const repo = `${params.owner}/${params.repo}`;
      const headSha = query.get('head_sha');
      const list = headSha
        ? (workflowRuns.get(commitKey(repo, headSha)) ?? []).map((r) => ({ run: r, sha: headSha }))
        : [...workflowRuns.entries()]
            .filter(([key]) => key.startsWith(`${repo}@`))
            .flatMap(([key, runs]) => runs.map((run) => ({ run, sha: key.slice(repo.length + 1) })));
      const { page, headers } = paginate(list, query, request);
      return {
        status: 200,
        headers,
        body: {
          total_count: list.length,
          workflow_runs: page.map(({ run, sha }) => ({
            id: run.id,
            name: run.name,
            display_title: run.name,
            head_sha: sha,
            head_branch: null,
            event: run.event,
            status: run.status,
            conclusion: run.status === 'completed' ? run.conclusion : null,
            html_url: `${htmlBase}/${repo}/actions/runs/${run.id}`,
            jobs_url: `${url}/repos/${repo}/actions/runs/${run.id}/jobs`,
            logs_url: `${url}/repos/${repo}/actions/runs/${run.id}/logs`,
            ...(run.workflowId !== undefined ? { workflow_id: run.workflowId } : {}),
            ...(run.runNumber !== undefined ? { run_number: run.runNumber } : {}),
            ...(run.runAttempt !== undefined ? { run_attempt: run.runAttempt } : {}),
            ...(run.checkSuiteId !== undefined ? { check_suite_id: run.checkSuiteId } : {}),
            ...(run.path !== undefined ? { path: run.path } : {}),
          })),
        },
      };
    },
  });

  addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/actions/jobs/:id/logs',
    handler: ({ params }) => {
      const key = `${params.owner}/${params.repo}/${params.id}`;
      if (!jobLogs.has(key)) return notFound();
      return { status: 302, headers: { location: `${url}/_logs/${key}.txt?sig=${randomBytes(4).toString('hex')}` } };
    },
  });

  // Where GitHub's log redirect points: pre-signed storage, no Authorization needed.
  addRoute({
    method: 'GET',
    path: '/_logs/:owner/:repo/:file',
    auth: false,
    handler: ({ params }) => {
      const text = jobLogs.get(`${params.owner}/${params.repo}/${(params.file ?? '').replace(/\.txt$/, '')}`);
      return text === undefined ? notFound() : { status: 200, text };
    },
  });

  const commentJson = (repo: string, number: number, c: FakeReviewComment, thread: FakeReviewThread) => ({
    id: c.id,
    node_id: `PRRC_${c.id}`,
    pull_request_review_id: c.id,
    in_reply_to_id: thread.comments[0] && thread.comments[0].id !== c.id ? thread.comments[0].id : undefined,
    body: c.body,
    user: user(c.author),
    path: c.path,
    line: c.line,
    original_line: c.line,
    created_at: c.createdAt,
    updated_at: c.createdAt,
    html_url: `${htmlBase}/${repo}/pull/${number}#discussion_r${c.id}`,
    pull_request_url: `${url}/repos/${repo}/pulls/${number}`,
  });

  addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/pulls/:number/comments',
    handler: ({ params, query, request }) => {
      const repo = `${params.owner}/${params.repo}`;
      const number = Number(params.number);
      if (!findPull(repo, number)) return notFound();
      const list = threads
        .filter((t) => t.repo === repo && t.number === number)
        .flatMap((t) => t.comments.map((c) => ({ c, t })))
        .sort((a, b) => a.c.id - b.c.id);
      const { page, headers } = paginate(list, query, request);
      return { status: 200, headers, body: page.map(({ c, t }) => commentJson(repo, number, c, t)) };
    },
  });

  const graphql = ({ body }: RouteContext): RouteResult => {
    const input = (typeof body === 'object' && body !== null ? body : {}) as {
      query?: unknown;
      variables?: Record<string, unknown>;
    };
    const query = typeof input.query === 'string' ? input.query : '';
    const vars = input.variables ?? {};
    if (!/reviewThreads/.test(query)) {
      return {
        status: 200,
        body: {
          errors: [{ message: 'fake github: only pullRequest.reviewThreads queries are served', type: 'UNSUPPORTED' }],
        },
      };
    }
    const repo = `${String(vars.owner)}/${String(vars.name)}`;
    const number = Number(vars.number);
    if (!findPull(repo, number)) {
      return {
        status: 200,
        body: {
          data: { repository: { pullRequest: null } },
          errors: [
            {
              type: 'NOT_FOUND',
              path: ['repository', 'pullRequest'],
              message: `Could not resolve to a PullRequest with the number of ${number}.`,
            },
          ],
        },
      };
    }
    const nodes = threads
      .filter((t) => t.repo === repo && t.number === number)
      .map((t) => ({
        id: t.id,
        isResolved: t.isResolved,
        isOutdated: t.isOutdated,
        comments: {
          pageInfo: { hasNextPage: false },
          nodes: t.comments.map((c) => ({
            // Int (32-bit, deprecated): null past 2^31 − 1, as GitHub answers; BigInt as a string
            databaseId: c.id > 2_147_483_647 ? null : c.id,
            fullDatabaseId: String(c.id),
            body: c.body,
            author: { login: c.author },
            path: c.path,
            line: c.line,
            url: `${htmlBase}/${repo}/pull/${number}#discussion_r${c.id}`,
            createdAt: c.createdAt,
          })),
        },
      }));
    return {
      status: 200,
      body: { data: { repository: { pullRequest: { reviewThreads: { pageInfo: { hasNextPage: false }, nodes } } } } },
    };
  };
  addRoute({ method: 'POST', path: '/graphql', handler: graphql });
  addRoute({ method: 'POST', path: '/api/graphql', handler: graphql });

  /** A ref in a commits/{ref} path: a sha as it is, a branch name through the PRs' heads. */
  function resolveRef(repo: string, ref: string): string {
    if (/^[0-9a-f]{7,40}$/i.test(ref)) return ref;
    return refreshHeads(repo).find((p) => p.head.ref === ref)?.head.sha ?? ref;
  }

  function touchPull(repo: string, number: number): void {
    const pull = pullsOf(repo).find((p) => p.number === number);
    if (pull) pull.updatedAt = new Date(Math.max(Date.now(), Date.parse(pull.updatedAt) + 1)).toISOString();
  }

  const http = await HttpFake.listen(handle, (res, error) =>
    sendJson(res, 500, { message: `fake github: ${String(error)}`, documentation_url: DOCS, status: '500' }),
  );
  const url = http.url;

  function reviewComment(c: Partial<FakeReviewComment> & { body: string }): FakeReviewComment {
    return {
      id: c.id ?? ++nextId,
      body: c.body,
      author: c.author ?? 'reviewer',
      path: c.path ?? 'README.md',
      line: c.line ?? 1,
      createdAt: c.createdAt ?? new Date().toISOString(),
    };
  }

  const fake: FakeGitHub = {
    url,
    token,
    requests,
    requestsTo: (method, pathPrefix) =>
      requests.filter((r) => r.method === method && (r.path.split('?')[0] ?? '').startsWith(pathPrefix)),
    pulls: (repo) => [...pullsOf(repo)],
    addPull,
    pullJson,
    addRoute,
    failNext: (f) => void faults.push({ ...f, remaining: f.times ?? 1 }),
    setPullHead: (repo, number, sha) => {
      const pull = pullsOf(repo).find((p) => p.number === number);
      if (!pull) throw new Error(`fake github: no pull request ${repo}#${number}`);
      pull.head.sha = sha;
      touchPull(repo, number);
    },
    followBranches: (resolve) => void (followHeads = resolve),
    setCheckRuns: (repo, sha, runs) => {
      const list = runs.map((r) => ({
        ...ciRun(r),
        app: r.app ?? 'github-actions',
        ...(r.checkSuiteId !== undefined ? { checkSuiteId: r.checkSuiteId } : {}),
      }));
      checkRuns.set(commitKey(repo, sha), list);
      return list;
    },
    setStatuses: (repo, sha, list) =>
      void statuses.set(
        commitKey(repo, sha),
        list.map((s) => ({
          context: s.context,
          state: s.state ?? 'success',
          ...(s.description ? { description: s.description } : {}),
          ...(s.targetUrl ? { targetUrl: s.targetUrl } : {}),
        })),
      ),
    setWorkflowRuns: (repo, sha, runs) => {
      const list = runs.map((r) => ({
        ...ciRun(r),
        event: r.event ?? 'pull_request',
        ...(r.workflowId !== undefined ? { workflowId: r.workflowId } : {}),
        ...(r.runNumber !== undefined ? { runNumber: r.runNumber } : {}),
        ...(r.runAttempt !== undefined ? { runAttempt: r.runAttempt } : {}),
        ...(r.checkSuiteId !== undefined ? { checkSuiteId: r.checkSuiteId } : {}),
        ...(r.path !== undefined ? { path: r.path } : {}),
      }));
      workflowRuns.set(commitKey(repo, sha), list);
      return list;
    },
    setJobLog: (repo, jobId, text) => void jobLogs.set(`${repo}/${jobId}`, text),
    addReviewThread: (repo, number, input) => {
      const thread: FakeReviewThread = {
        id: `PRRT_${randomBytes(6).toString('hex')}`,
        repo,
        number,
        isResolved: input.isResolved ?? false,
        isOutdated: input.isOutdated ?? false,
        comments: [],
      };
      threads.push(thread);
      for (const c of input.comments) thread.comments.push(reviewComment(c));
      touchPull(repo, number);
      return thread;
    },
    replyToThread: (threadId, c) => {
      const thread = threads.find((t) => t.id === threadId);
      if (!thread) throw new Error(`fake github: no review thread ${threadId}`);
      const comment = reviewComment({ path: thread.comments[0]?.path, line: thread.comments[0]?.line ?? null, ...c });
      thread.comments.push(comment);
      touchPull(thread.repo, thread.number);
      return comment;
    },
    resolveThread: (threadId) => {
      const thread = threads.find((t) => t.id === threadId);
      if (!thread) throw new Error(`fake github: no review thread ${threadId}`);
      thread.isResolved = true;
      touchPull(thread.repo, thread.number);
    },
    rateLimit,
    stop: async () => {
      await http.close();
    },
  };
  return fake;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonBody(res, status, body, { 'content-type': 'application/json; charset=utf-8', ...headers });
}
