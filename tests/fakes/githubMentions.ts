// Routes for the fake GitHub (tests/fakes/github.ts) behind mentions, auto-merge, branch cleanup
// and rebase logs, added with `addRoute`, in GitHub's documented shapes:
//
//   GET    /user
//   GET    /notifications                                  participating, all, since, per_page (≤ 50), page; Link;
//                                                          X-Poll-Interval (60 s, as GitHub; setPollInterval)
//   GET    /repos/{o}/{r}/issues/{n}                       the issue (or PR) of a thread: title, body, author
//   GET    /repos/{o}/{r}/issues/{n}/comments              since, per_page, page; Link; reaction rollups
//   POST   /repos/{o}/{r}/issues/{n}/comments              201, the comment (by the token's login)
//   GET    /repos/{o}/{r}/issues/comments/{id}/reactions   content filter
//   POST   /repos/{o}/{r}/issues/comments/{id}/reactions   201 new, 200 when the user already reacted so
//   GET    /repos/{o}/{r}/collaborators/{login}/permission permission + role_name (public repo: read for anyone)
//   PUT    /repos/{o}/{r}/pulls/{n}/merge                  200; 405 not open; 409 head sha mismatch
//   GET    /repos/{o}/{r}/git/matching-refs/heads/{prefix} string prefix match, as GitHub does
//   DELETE /repos/{o}/{r}/git/refs/heads/{branch…}         204; 422 "Reference does not exist"
//   GET    /repos/{o}/{r}/actions/runs                     head_sha filter
//   GET    /repos/{o}/{r}/actions/runs/{id}/jobs
//   GET    /repos/{o}/{r}/actions/jobs/{id}/logs           302 to a separate "blob storage" server (text/plain)
//
// Notifications are derived from the threads and comments: a thread is in the bot's
// participating notifications once a comment mentions the bot or the bot commented; its
// updated_at is its newest comment's; reason 'mention' when its latest comment mentions the bot,
// else 'comment'. Branch refs come from a real bare repository when one is given for the repo
// (so a cleanup test deletes real refs), else from an in-memory table.
import { execFileSync } from 'node:child_process';
import { pageOf } from './githubPages.js';
import { HttpFake } from './httpFake.js';
import type { FakeGitHub, RouteContext, RouteResult } from './github.js';

const DOCS = 'https://docs.github.com/rest';
const notFound = (): RouteResult => ({
  status: 404,
  body: { message: 'Not Found', documentation_url: DOCS, status: '404' },
});
/** GitHub's 422 for a request whose `field` of `resource` is missing or not allowed (`code`). */
const invalidField = (resource: string, field: string, code: string): RouteResult => ({
  status: 422,
  body: { message: 'Validation Failed', errors: [{ resource, field, code }], documentation_url: DOCS, status: '422' },
});

export const isoNow = (ms = Date.now()): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface FakeThread {
  repo: string;
  number: number;
  pull: boolean;
  title: string;
  /** The issue's body and author (GET …/issues/{n}). */
  body: string;
  author: string;
  id: string;
  unread: boolean;
}

export interface FakeComment {
  id: number;
  repo: string;
  number: number;
  login: string;
  type: 'User' | 'Bot';
  body: string;
  createdAt: string;
  updatedAt: string;
  reactions: Array<{ id: number; login: string; content: string; createdAt: string }>;
}

export interface FakeRun {
  id: number;
  repo: string;
  name: string;
  workflowId: number;
  runNumber: number;
  headSha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  jobs: Array<{ id: number; name: string; status: string; conclusion: string | null; log?: string }>;
}

export type Role = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface MentionsFake {
  login: string;
  /** A separate server standing in for GitHub's log storage (redirect target). */
  blobUrl: string;
  addThread(
    repo: string,
    number: number,
    options?: { pull?: boolean; title?: string; body?: string; author?: string },
  ): FakeThread;
  addComment(
    repo: string,
    number: number,
    comment: { login: string; body: string; type?: 'User' | 'Bot'; at?: string },
  ): FakeComment;
  comments(repo: string, number: number): FakeComment[];
  comment(id: number): FakeComment | undefined;
  react(commentId: number, login: string, content?: string): void;
  setRole(repo: string, login: string, role: Role): void;
  /** In-memory branch tips for repos without a bare repository. */
  setBranch(repo: string, branch: string, sha: string): void;
  addRun(
    repo: string,
    run: Omit<FakeRun, 'id' | 'repo' | 'jobs'> & { jobs: Array<Omit<FakeRun['jobs'][number], 'id'>> },
  ): FakeRun;
  /** Requests the blob server got (path and whether an Authorization header came along). */
  blobRequests: Array<{ path: string; authorization: boolean }>;
  /** The X-Poll-Interval (seconds) GET /notifications answers with; undefined sends none. */
  setPollInterval(seconds: number | undefined): void;
  stop(): Promise<void>;
}

export interface MentionsFakeOptions {
  /** The token's login (default 'roshi-bot', as startFakeGitHub's default). */
  login?: string;
  /** owner/name → path of a bare repository holding that repo's branches. */
  bareRepos?: Record<string, string>;
  /** GitHub's html host (default https://github.com). */
  htmlBase?: string;
}

export async function installMentionRoutes(fake: FakeGitHub, options: MentionsFakeOptions = {}): Promise<MentionsFake> {
  const login = options.login ?? 'roshi-bot';
  const htmlBase = options.htmlBase ?? 'https://github.com';
  const threads = new Map<string, FakeThread>();
  const comments: FakeComment[] = [];
  const roles = new Map<string, Role>();
  const memBranches = new Map<string, Map<string, string>>();
  const runs: FakeRun[] = [];
  const blobRequests: MentionsFake['blobRequests'] = [];
  let nextId = 5_000_000;
  let pollInterval: number | undefined = 60;
  const mentionRe = new RegExp(`@${login.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9-])`, 'i');

  // ─── "blob storage" for job logs: another origin, plain text ─────────────────────────────
  const logs = new Map<string, string>();
  const blob = await HttpFake.listen(
    async (req, res) => {
      const path = req.url ?? '/';
      blobRequests.push({ path, authorization: req.headers.authorization !== undefined });
      const key = /^\/logs\/(\d+)/.exec(path)?.[1];
      const text = key === undefined ? undefined : logs.get(key);
      if (text === undefined) {
        res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>BlobNotFound</Code></Error>');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
    },
    (res) => res.writeHead(500).end(),
  );
  const blobUrl = blob.url;

  const key = (repo: string, number: number) => `${repo.toLowerCase()}#${number}`;
  const repoOf = (params: Record<string, string>) => `${params.owner}/${params.repo}`;
  const user = (name: string, type: 'User' | 'Bot' = 'User') => ({
    login: name,
    id: [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7),
    node_id: `U_${name}`,
    type,
    site_admin: false,
    html_url: `${htmlBase}/${name}`,
  });

  function paginate<T>(ctx: RouteContext, list: T[], maxPerPage = 100): RouteResult {
    const { page, headers } = pageOf(list, ctx.query, `${ctx.fake.url}${ctx.request.path}`, maxPerPage);
    return { status: 200, body: page, headers };
  }

  const commentJson = (c: FakeComment) => {
    const thread = threads.get(key(c.repo, c.number));
    const count = (content: string) => c.reactions.filter((r) => r.content === content).length;
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${fake.url}/repos/${c.repo}/issues/comments/${c.id}`,
      html_url: `${htmlBase}/${c.repo}/${thread?.pull ? 'pull' : 'issues'}/${c.number}#issuecomment-${c.id}`,
      issue_url: `${fake.url}/repos/${c.repo}/issues/${c.number}`,
      body: c.body,
      user: user(c.login, c.type),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: c.login === login ? 'NONE' : 'CONTRIBUTOR',
      performed_via_github_app: null,
      reactions: {
        url: `${fake.url}/repos/${c.repo}/issues/comments/${c.id}/reactions`,
        total_count: c.reactions.length,
        '+1': count('+1'),
        '-1': count('-1'),
        laugh: count('laugh'),
        hooray: count('hooray'),
        confused: count('confused'),
        heart: count('heart'),
        rocket: count('rocket'),
        eyes: count('eyes'),
      },
    };
  };

  function addThread(
    repo: string,
    number: number,
    opts: { pull?: boolean; title?: string; body?: string; author?: string } = {},
  ): FakeThread {
    const existing = threads.get(key(repo, number));
    if (existing) return existing;
    const thread: FakeThread = {
      repo,
      number,
      pull: opts.pull ?? false,
      title: opts.title ?? `${opts.pull ? 'PR' : 'Issue'} ${number}`,
      body: opts.body ?? '',
      author: opts.author ?? 'octocat',
      id: String(++nextId),
      unread: true,
    };
    threads.set(key(repo, number), thread);
    return thread;
  }

  function addComment(
    repo: string,
    number: number,
    c: { login: string; body: string; type?: 'User' | 'Bot'; at?: string },
  ): FakeComment {
    const thread = addThread(repo, number);
    const at = c.at ?? isoNow();
    const comment: FakeComment = {
      id: ++nextId,
      repo: thread.repo,
      number,
      login: c.login,
      type: c.type ?? (c.login.endsWith('[bot]') ? 'Bot' : 'User'),
      body: c.body,
      createdAt: at,
      updatedAt: at,
      reactions: [],
    };
    comments.push(comment);
    thread.unread = true;
    return comment;
  }

  const threadComments = (t: FakeThread) => comments.filter((c) => key(c.repo, c.number) === key(t.repo, t.number));

  // ─── identity ───────────────────────────────────────────────────────────────────────────
  fake.addRoute({
    method: 'GET',
    path: '/user',
    handler: () => ({ status: 200, body: { ...user(login), name: login, email: null } }),
  });

  // ─── notifications ──────────────────────────────────────────────────────────────────────
  fake.addRoute({
    method: 'GET',
    path: '/notifications',
    handler: (ctx) => {
      const since = ctx.query.get('since');
      const all = ctx.query.get('all') === 'true';
      const list = [...threads.values()]
        .map((t) => {
          const cs = threadComments(t);
          const participating = cs.some((c) => mentionRe.test(c.body) || c.login === login);
          const latest = cs[cs.length - 1];
          return { t, participating, latest, updated: cs.reduce((m, c) => (c.updatedAt > m ? c.updatedAt : m), '') };
        })
        .filter(({ participating, latest }) => participating && latest !== undefined)
        .filter(({ t }) => all || t.unread)
        .filter(({ updated }) => since === null || Date.parse(updated) >= Date.parse(since))
        .sort((a, b) => b.updated.localeCompare(a.updated))
        .map(({ t, latest, updated }) => {
          const api = `${fake.url}/repos/${t.repo}`;
          const [owner = '', name = ''] = t.repo.split('/');
          return {
            id: t.id,
            unread: t.unread,
            reason: latest && mentionRe.test(latest.body) ? 'mention' : 'comment',
            updated_at: updated,
            last_read_at: null,
            subject: {
              title: t.title,
              url: `${api}/${t.pull ? 'pulls' : 'issues'}/${t.number}`,
              latest_comment_url: latest ? `${api}/issues/comments/${latest.id}` : null,
              type: t.pull ? 'PullRequest' : 'Issue',
            },
            repository: {
              id: t.repo.length,
              node_id: `R_${t.repo}`,
              name,
              full_name: t.repo,
              owner: user(owner),
              private: false,
              html_url: `${htmlBase}/${t.repo}`,
              fork: false,
              url: api,
            },
            url: `${fake.url}/notifications/threads/${t.id}`,
            subscription_url: `${fake.url}/notifications/threads/${t.id}/subscription`,
          };
        });
      const answer = paginate(ctx, list, 50);
      if (pollInterval === undefined) return answer;
      return { ...answer, headers: { ...answer.headers, 'x-poll-interval': String(pollInterval) } };
    },
  });

  // ─── comments and reactions ─────────────────────────────────────────────────────────────
  /** The issue or PR the route's `:number` names, in the route's repository. */
  const threadAt = (params: Record<string, string>) => threads.get(key(repoOf(params), Number(params.number)));
  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/issues/:number',
    handler: ({ params }) => {
      const thread = threadAt(params);
      if (!thread) return notFound();
      const kind = thread.pull ? 'pull' : 'issues';
      return {
        status: 200,
        body: {
          number: thread.number,
          title: thread.title,
          body: thread.body === '' ? null : thread.body,
          user: user(thread.author),
          state: 'open',
          html_url: `${htmlBase}/${thread.repo}/${kind}/${thread.number}`,
          ...(thread.pull ? { pull_request: { url: `${htmlBase}/${thread.repo}/pull/${thread.number}` } } : {}),
        },
      };
    },
  });

  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/issues/:number/comments',
    handler: (ctx) => {
      const thread = threadAt(ctx.params);
      if (!thread) return notFound();
      const since = ctx.query.get('since');
      const list = threadComments(thread)
        .filter((c) => since === null || Date.parse(c.updatedAt) >= Date.parse(since))
        .map(commentJson);
      return paginate(ctx, list);
    },
  });

  fake.addRoute({
    method: 'POST',
    path: '/repos/:owner/:repo/issues/:number/comments',
    handler: (ctx) => {
      const thread = threadAt(ctx.params);
      if (!thread) return notFound();
      const body = (ctx.body as { body?: unknown } | undefined)?.body;
      if (typeof body !== 'string' || body === '') {
        return invalidField('IssueComment', 'body', 'missing_field');
      }
      const c = addComment(thread.repo, thread.number, { login, body });
      return {
        status: 201,
        body: commentJson(c),
        headers: { location: `${fake.url}/repos/${thread.repo}/issues/comments/${c.id}` },
      };
    },
  });

  /** The comment the route's `:id` names, in the route's repository. */
  const commentAt = (params: Record<string, string>) =>
    comments.find((x) => x.id === Number(params.id) && x.repo.toLowerCase() === repoOf(params).toLowerCase());
  const reactionJson = (r: FakeComment['reactions'][number]) => ({
    id: r.id,
    node_id: `REA_${r.id}`,
    user: user(r.login),
    content: r.content,
    created_at: r.createdAt,
  });
  // '+' in a query string is a space to URLSearchParams; GitHub clients send %2B1.
  const contentParam = (value: string | null) => (value === ' 1' ? '+1' : value);

  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/issues/comments/:id/reactions',
    handler: (ctx) => {
      const c = commentAt(ctx.params);
      if (!c) return notFound();
      const content = contentParam(ctx.query.get('content'));
      return paginate(ctx, c.reactions.filter((r) => content === null || r.content === content).map(reactionJson));
    },
  });

  fake.addRoute({
    method: 'POST',
    path: '/repos/:owner/:repo/issues/comments/:id/reactions',
    handler: (ctx) => {
      const c = commentAt(ctx.params);
      if (!c) return notFound();
      const content = (ctx.body as { content?: unknown } | undefined)?.content;
      if (
        typeof content !== 'string' ||
        !['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'].includes(content)
      ) {
        return invalidField('Reaction', 'content', 'invalid');
      }
      const existing = c.reactions.find((r) => r.login === login && r.content === content);
      if (existing) return { status: 200, body: reactionJson(existing) };
      const r = { id: ++nextId, login, content, createdAt: isoNow() };
      c.reactions.push(r);
      return { status: 201, body: reactionJson(r) };
    },
  });

  // ─── permissions ────────────────────────────────────────────────────────────────────────
  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/collaborators/:login/permission',
    handler: (ctx) => {
      const role = roles.get(`${repoOf(ctx.params).toLowerCase()}|${ctx.params.login?.toLowerCase()}`) ?? 'read'; // a public repository: anyone reads
      const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
      return {
        status: 200,
        body: {
          permission,
          role_name: role,
          user: {
            ...user(ctx.params.login ?? ''),
            permissions: {
              admin: role === 'admin',
              maintain: role === 'admin' || role === 'maintain',
              push: ['admin', 'maintain', 'write'].includes(role),
              triage: role !== 'read' && role !== 'none',
              pull: role !== 'none',
            },
            role_name: role,
          },
        },
      };
    },
  });

  // ─── merge ──────────────────────────────────────────────────────────────────────────────
  fake.addRoute({
    method: 'PUT',
    path: '/repos/:owner/:repo/pulls/:number/merge',
    handler: (ctx) => {
      const pull = fake.pulls(repoOf(ctx.params)).find((p) => p.number === Number(ctx.params.number));
      if (!pull) return notFound();
      const input = (ctx.body ?? {}) as { sha?: string; merge_method?: string };
      if (pull.state !== 'open' || pull.merged)
        return {
          status: 405,
          body: {
            message: 'Pull Request is not mergeable',
            documentation_url: `${DOCS}/pulls/pulls#merge-a-pull-request`,
            status: '405',
          },
        };
      if (input.sha !== undefined && input.sha !== pull.head.sha) {
        return {
          status: 409,
          body: {
            message: 'Head branch was modified. Review and try the merge again.',
            documentation_url: `${DOCS}/pulls/pulls#merge-a-pull-request`,
            status: '409',
          },
        };
      }
      pull.state = 'closed';
      pull.merged = true;
      pull.updatedAt = new Date().toISOString();
      const sha = [...`merge:${pull.head.sha}:${input.merge_method ?? 'merge'}`]
        .reduce((h, ch) => h + ch.charCodeAt(0).toString(16), '')
        .padEnd(40, '0')
        .slice(0, 40);
      return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
    },
  });

  // ─── refs ───────────────────────────────────────────────────────────────────────────────
  const bareOf = (repo: string) =>
    Object.entries(options.bareRepos ?? {}).find(([r]) => r.toLowerCase() === repo.toLowerCase())?.[1];
  const gitIn = (dir: string, args: string[]) =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  function branchesOf(repo: string): Map<string, string> {
    const bare = bareOf(repo);
    if (bare !== undefined) {
      const out = gitIn(bare, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/']);
      return new Map(
        out
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => {
            const [ref = '', sha = ''] = l.split(' ');
            return [ref.slice('refs/heads/'.length), sha] as [string, string];
          }),
      );
    }
    let m = memBranches.get(repo.toLowerCase());
    if (!m) memBranches.set(repo.toLowerCase(), (m = new Map()));
    return m;
  }
  const refJson = (repo: string, branch: string, sha: string) => ({
    ref: `refs/heads/${branch}`,
    node_id: `REF_${branch}`,
    url: `${fake.url}/repos/${repo}/git/refs/heads/${branch}`,
    object: { sha, type: 'commit', url: `${fake.url}/repos/${repo}/git/commits/${sha}` },
  });
  for (const depth of [1, 2, 3]) {
    const segs = Array.from({ length: depth }, (_, i) => `:p${i}`).join('/');
    fake.addRoute({
      method: 'GET',
      path: `/repos/:owner/:repo/git/matching-refs/heads/${segs}`,
      handler: (ctx) => {
        const prefix = Array.from({ length: depth }, (_, i) => ctx.params[`p${i}`] ?? '').join('/');
        const repo = repoOf(ctx.params);
        const list = [...branchesOf(repo)]
          .filter(([b]) => b.startsWith(prefix))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([b, sha]) => refJson(repo, b, sha));
        return paginate(ctx, list);
      },
    });
    fake.addRoute({
      method: 'DELETE',
      path: `/repos/:owner/:repo/git/refs/heads/${segs}`,
      handler: (ctx) => {
        const branch = Array.from({ length: depth }, (_, i) => ctx.params[`p${i}`] ?? '').join('/');
        const repo = repoOf(ctx.params);
        const bare = bareOf(repo);
        const branches = branchesOf(repo);
        if (!branches.has(branch))
          return {
            status: 422,
            body: {
              message: 'Reference does not exist',
              documentation_url: `${DOCS}/git/refs#delete-a-reference`,
              status: '422',
            },
          };
        if (bare !== undefined) gitIn(bare, ['update-ref', '-d', `refs/heads/${branch}`]);
        else branches.delete(branch);
        return { status: 204 };
      },
    });
  }

  // ─── Actions ────────────────────────────────────────────────────────────────────────────
  const runJson = (r: FakeRun) => ({
    id: r.id,
    name: r.name,
    node_id: `WFR_${r.id}`,
    head_branch: 'x',
    head_sha: r.headSha,
    path: `.github/workflows/${r.workflowId}.yml`,
    display_title: r.name,
    run_number: r.runNumber,
    run_attempt: 1,
    event: 'pull_request',
    status: r.status,
    conclusion: r.conclusion,
    workflow_id: r.workflowId,
    check_suite_id: r.id + 1,
    url: `${fake.url}/repos/${r.repo}/actions/runs/${r.id}`,
    html_url: `${htmlBase}/${r.repo}/actions/runs/${r.id}`,
    jobs_url: `${fake.url}/repos/${r.repo}/actions/runs/${r.id}/jobs`,
    logs_url: `${fake.url}/repos/${r.repo}/actions/runs/${r.id}/logs`,
    created_at: isoNow(),
    updated_at: isoNow(),
  });
  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/actions/runs',
    handler: (ctx) => {
      const sha = ctx.query.get('head_sha');
      const list = runs
        .filter((r) => r.repo.toLowerCase() === repoOf(ctx.params).toLowerCase() && (sha === null || r.headSha === sha))
        .sort((a, b) => b.id - a.id);
      const page = paginate(ctx, list.map(runJson));
      return { ...page, body: { total_count: list.length, workflow_runs: page.body } };
    },
  });
  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/actions/runs/:id/jobs',
    handler: (ctx) => {
      const run = runs.find((r) => r.id === Number(ctx.params.id));
      if (!run) return notFound();
      const jobs = run.jobs.map((j) => ({
        id: j.id,
        run_id: run.id,
        run_url: `${fake.url}/repos/${run.repo}/actions/runs/${run.id}`,
        node_id: `CR_${j.id}`,
        head_sha: run.headSha,
        url: `${fake.url}/repos/${run.repo}/actions/jobs/${j.id}`,
        html_url: `${htmlBase}/${run.repo}/actions/runs/${run.id}/job/${j.id}`,
        status: j.status,
        conclusion: j.conclusion,
        started_at: isoNow(),
        completed_at: j.status === 'completed' ? isoNow() : null,
        name: j.name,
        steps: [],
        check_run_url: `${fake.url}/repos/${run.repo}/check-runs/${j.id}`,
        labels: ['ubuntu-latest'],
        workflow_name: run.name,
      }));
      const page = paginate(ctx, jobs);
      return { ...page, body: { total_count: jobs.length, jobs: page.body } };
    },
  });
  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/actions/jobs/:id/logs',
    handler: (ctx) => {
      if (!logs.has(ctx.params.id ?? ''))
        return { status: 410, body: { message: 'Gone', documentation_url: DOCS, status: '410' } };
      return {
        status: 302,
        headers: { location: `${blobUrl}/logs/${ctx.params.id}?sig=fake&se=${Date.now() + 60_000}` },
      };
    },
  });

  return {
    login,
    blobUrl,
    addThread,
    addComment,
    comments: (repo, number) => comments.filter((c) => key(c.repo, c.number) === key(repo, number)),
    comment: (id) => comments.find((c) => c.id === id),
    react: (commentId, who, content = '+1') => {
      const c = comments.find((x) => x.id === commentId);
      if (!c) throw new Error(`no comment ${commentId}`);
      c.reactions.push({ id: ++nextId, login: who, content, createdAt: isoNow() });
    },
    setRole: (repo, who, role) => void roles.set(`${repo.toLowerCase()}|${who.toLowerCase()}`, role),
    setBranch: (repo, branch, sha) => void branchesOf(repo).set(branch, sha),
    addRun: (repo, input) => {
      const run: FakeRun = { ...input, id: ++nextId, repo, jobs: input.jobs.map((j) => ({ ...j, id: ++nextId })) };
      for (const job of run.jobs) if (job.log !== undefined) logs.set(String(job.id), job.log);
      runs.push(run);
      return run;
    },
    blobRequests,
    setPollInterval: (seconds) => {
      pollInterval = seconds;
    },
    stop: async () => {
      await blob.close();
    },
  };
}
