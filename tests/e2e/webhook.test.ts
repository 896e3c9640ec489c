// The webhook actor as a child of the real tree (dist/, per-actor bus users): a signed GitHub
// delivery (an example payload from @octokit/webhooks-examples, pointed at a followed PR) makes
// the pr-poller queue the review feedback's /fix mission within seconds although its polls are
// an hour apart; an unsigned one is refused; the webhook secret reaches the webhook actor only,
// and the bus refuses none of the tree's processes (TestTree.stop checks). docs/github.md#webhooks
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bus/index.js';
import type { Mission } from '../../src/contracts/index.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github.js';
import { TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

const REPO = 'acme/app';
const SECRET = 'e2e-webhook-secret';
const require = createRequire(import.meta.url);
const examples = JSON.parse(
  readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
) as Array<{ name: string; examples: Array<Record<string, unknown>> }>;

describe('webhook actor in the tree', () => {
  let fake: FakeGitHub;
  let tree: TestTree;
  let endpoint: string;
  let project: string;
  let pull: ReturnType<FakeGitHub['addPull']>;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    // Open before the tree starts: the pr-poller's start poll follows it.
    pull = fake.addPull(REPO, { head: { ref: 'roshi/webhook-e2e' } });
    project = mkdtempSync(join(tmpdir(), 'roshi-webhook-project-'));
    const port = await freePort('127.0.0.1');
    endpoint = `http://127.0.0.1:${port}/github/webhook`;
    tree = await TestTree.start({
      config: {
        projects: { app: { path: project, githubRepo: REPO } },
        defaultProject: 'app',
        github: { apiUrl: fake.url },
        prPoller: { repos: [REPO], authorizedUsers: ['alice'], fastInterval: '1h', idleInterval: '1h' },
        actors: {
          bridge: { enabled: false },
          chat: { enabled: false },
          runner: { enabled: false },
          prPoller: { enabled: true },
          webhook: { enabled: true },
        },
        webhook: { listen: `127.0.0.1:${port}` },
      },
      env: { GITHUB_TOKEN: fake.token, GITHUB_WEBHOOK_SECRET: SECRET },
    });
    await tree.waitForRunning(['watchdog', 'missions', 'pr-poller', 'webhook']);
  }, 60_000);

  afterAll(async () => {
    await tree?.stop();
    await fake?.stop();
    rmSync(project, { recursive: true, force: true });
  });

  it('a signed delivery makes the poller queue the follow-up at once; an unsigned one does nothing', async () => {
    const prUrl = `https://github.com/${REPO}/pull/${pull.number}`;
    const missions = async () =>
      (await tree.bus.request<{ missions: Mission[] }>(tree.bus.subjects.missions('list'), {}, 5_000)).missions;
    // The start poll has followed the PR and ended: from here on only a webhook makes it poll.
    const status = () =>
      tree.bus.request<{ state?: unknown; polls?: number }>(
        tree.bus.subjects.control('pr-poller'),
        { verb: 'status' },
        5_000,
      );
    await until(async () => ((await status()).state === 'waiting' ? true : undefined), 'the start poll to end', {
      timeoutMs: 20_000,
      detail: () => tree.log('pr-poller').slice(-3000),
    });
    await until(
      () => (tree.log('pr-poller').includes('following an own pull request') ? true : undefined),
      'the PR followed',
      {
        timeoutMs: 20_000,
        detail: () => tree.log('pr-poller').slice(-3000),
      },
    );
    fake.addReviewThread(REPO, pull.number, { comments: [{ body: 'rename this', author: 'alice' }] });

    const payload = structuredClone(
      examples.find((e) => e.name === 'pull_request_review')!.examples.find((x) => x.action === 'submitted')!,
    );
    (payload.repository as Record<string, unknown>).full_name = REPO;
    (payload.pull_request as Record<string, unknown>).number = pull.number;
    const text = JSON.stringify(payload);
    const post = async (id: string, signature?: string) =>
      (
        await fetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'pull_request_review',
            'x-github-delivery': id,
            ...(signature ? { 'x-hub-signature-256': signature } : {}),
          },
          body: text,
        })
      ).status;

    expect(await post('e2e-unsigned')).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await missions()).filter((m) => m.text === `/fix ${prUrl}`)).toHaveLength(0);

    const sent = Date.now();
    expect(await post('e2e-1', await sign(SECRET, text))).toBe(202);
    const fix = await until(
      async () => (await missions()).find((m) => m.text === `/fix ${prUrl}`),
      'the /fix mission from the webhook',
      {
        timeoutMs: 15_000,
        intervalMs: 100,
        detail: () => `${tree.log('pr-poller').slice(-3000)}\n${tree.log('webhook').slice(-2000)}`,
      },
    );
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(fix.source).toBe('github');
    expect(await post('e2e-1', await sign(SECRET, text))).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await missions()).filter((m) => m.text === `/fix ${prUrl}`)).toHaveLength(1);

    // The secret went to the webhook actor only: its value appears in no other child's log
    // (a smoke check; tests/unit/webhookGrants.test.ts checks the environments themselves).
    expect(tree.log('pr-poller')).not.toContain(SECRET);
  }, 90_000);
});
