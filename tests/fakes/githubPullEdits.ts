// Routes the pipeline needs to update a pull request, added to the fake GitHub:
//   PATCH /repos/{owner}/{repo}/pulls/{number}            title, body (as GitHub: other fields ignored here)
//   POST  /repos/{owner}/{repo}/issues/{number}/comments  201 with the comment; kept in `comments`
// Separate from tests/fakes/githubMentions.ts, whose comment routes serve its own issue threads.
import type { FakeGitHub, RouteResult } from './github.js';

export interface PullComment {
  repo: string;
  number: number;
  body: string;
}

export function installPullEditRoutes(fake: FakeGitHub, htmlBase = 'https://github.com'): { comments: PullComment[] } {
  const comments: PullComment[] = [];
  const notFound: RouteResult = { status: 404, body: { message: 'Not Found', status: '404' } };
  const pullOf = (params: Record<string, string>) =>
    fake.pulls(`${params.owner}/${params.repo}`).find((p) => p.number === Number(params.number));

  fake.addRoute({
    method: 'PATCH',
    path: '/repos/:owner/:repo/pulls/:number',
    handler: ({ params, body }) => {
      const pull = pullOf(params);
      if (!pull) return notFound;
      const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      if (typeof input.title === 'string') pull.title = input.title;
      if (typeof input.body === 'string') pull.body = input.body;
      pull.updatedAt = new Date(Math.max(Date.now(), Date.parse(pull.updatedAt) + 1)).toISOString();
      return { status: 200, body: fake.pullJson(pull) };
    },
  });

  fake.addRoute({
    method: 'POST',
    path: '/repos/:owner/:repo/issues/:number/comments',
    handler: ({ params, body }) => {
      if (!pullOf(params)) return notFound;
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text !== 'string' || text === '') return { status: 422, body: { message: 'Validation Failed' } };
      const repo = `${params.owner}/${params.repo}`;
      comments.push({ repo, number: Number(params.number), body: text });
      const id = 9_000_000 + comments.length;
      return {
        status: 201,
        body: { id, body: text, html_url: `${htmlBase}/${repo}/pull/${params.number}#issuecomment-${id}` },
      };
    },
  });

  return { comments };
}
