// GitHub webhooks end to end in one process: the real webhook actor (HTTP endpoint, signature,
// delivery log) and the real pr-poller actor (its delivery feed, machine and poll) against a real
// nats-server and the fake GitHub, with GitHub's own example payloads
// (@octokit/webhooks-examples) pointed at the followed PR. Unsigned → 401 and nothing happens;
// signed → the review feedback becomes one /fix within seconds; the same delivery again, older
// events out of order, a delivery recorded while the poller is down, a webhook actor restarted:
// each follow-up happens exactly once. docs/github.md#webhooks
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, type AnyActorRef } from 'xstate';
import { prPollerKind } from '../../src/actors/prPoller.js';
import { webhookFeedDurable } from '../../src/actors/prPollerWebhookFeed.js';
import { webhookKind } from '../../src/actors/webhook.js';
import { Bus, durableState, ensureOutbox, freePort, streamState } from '../../src/bus/index.js';
import { loadConfig, type RoshiConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { startFakeGitHub, type FakeGitHub, type FakePull } from '../fakes/github.js';
import { useNats } from '../harness/nats.js';
import { until } from '../harness/until.js';

const nats = useNats();
const TOKEN_ENV = 'ROSHI_TEST_WEBHOOK_GH_TOKEN';
const SECRET_ENV = 'ROSHI_TEST_WEBHOOK_SECRET';
const SECRET = 'webhook-test-secret';
const PREFIX = 'hook';
const REPO = 'acme/hooked';

const require = createRequire(import.meta.url);
const examples = JSON.parse(
  readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
) as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
const example = (name: string, action: string) =>
  structuredClone(examples.find((e) => e.name === name)!.examples.find((x) => x.action === action)!);

let fake: FakeGitHub;
let bus: Bus;
let config: RoshiConfig;
let endpoint: string;
let pull: FakePull;
let prUrl: string;
const adds: Array<{ text: string; context?: string }> = [];

interface Running {
  actor: AnyActorRef;
  parts: Awaited<ReturnType<typeof prPollerKind.create>>;
  stop: () => Promise<void>;
}

async function startActor(kind: typeof prPollerKind, name: string): Promise<Running> {
  const parts = await kind.create({ name, config, bus, logger: silentLogger() });
  const actor = createActor(parts.machine, { input: parts.input });
  actor.start();
  await parts.start?.(actor);
  return {
    actor,
    parts,
    stop: async () => {
      await parts.stop?.();
      actor.stop();
    },
  };
}

/** A GitHub example payload about the followed PR, posted as GitHub does. */
async function deliver(
  event: string,
  payload: Record<string, unknown>,
  id: string,
  signed = true,
): Promise<{ status: number; text: string }> {
  const text = JSON.stringify(payload);
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/test',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-github-hook-id': '1',
      ...(signed ? { 'x-hub-signature-256': await sign(SECRET, text) } : {}),
    },
    body: text,
  });
  return { status: response.status, text: await response.text() };
}

/** Points an example payload at the followed repository and PR. */
function aboutPr(payload: Record<string, unknown>, key: 'pull_request' | 'check_suite'): Record<string, unknown> {
  (payload.repository as Record<string, unknown>).full_name = REPO;
  const target = payload[key] as Record<string, unknown>;
  if (key === 'pull_request') target.number = pull.number;
  else target.pull_requests = [{ number: pull.number }];
  return payload;
}

const polls = (poller: Running) => (poller.actor.getSnapshot().context as { polls: number }).polls;
const fixes = () => adds.filter((a) => a.text === `/fix ${prUrl}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  fake = await startFakeGitHub();
  process.env[TOKEN_ENV] = fake.token;
  process.env[SECRET_ENV] = SECRET;
  bus = await Bus.connect({ url: nats.url, name: 'test-webhook', prefix: PREFIX, logger: silentLogger() });
  await ensureOutbox(bus);
  const port = await freePort('127.0.0.1');
  endpoint = `http://127.0.0.1:${port}/github/webhook`;
  config = loadConfig({
    env: {},
    overrides: {
      prefix: PREFIX,
      github: { apiUrl: fake.url, tokenEnv: TOKEN_ENV },
      // Polls far apart: within this test only the start poll and webhooks make it poll.
      prPoller: {
        repos: [REPO],
        authorizedUsers: ['alice'],
        fastInterval: '1h',
        idleInterval: '1h',
        webhookSafetyInterval: '10m',
      },
      actors: { webhook: { enabled: true } },
      webhook: { listen: `127.0.0.1:${port}`, secretEnv: SECRET_ENV },
    },
  }).config;
  bus.serve(bus.subjects.missionsAs('add', 'pr-poller'), (payload) => {
    adds.push(payload as { text: string; context?: string });
    return { id: `m-${adds.length}` };
  });
  pull = fake.addPull(REPO, { head: { ref: 'roshi/hooked-feature' } });
  prUrl = `https://github.com/${REPO}/pull/${pull.number}`;
});

afterAll(async () => {
  delete process.env[TOKEN_ENV];
  delete process.env[SECRET_ENV];
  await bus?.drain();
  await fake?.stop();
});

describe('GitHub webhooks, polling as the fallback', () => {
  it('verifies, records once, and turns each delivery into at most one follow-up', async () => {
    let webhook = await startActor(webhookKind, 'webhook');
    let poller = await startActor(prPollerKind, 'pr-poller');
    try {
      await until(() => (polls(poller) >= 1 ? true : undefined), 'the start poll', { timeoutMs: 15_000 });
      const afterStart = polls(poller);

      // Review feedback by an authorized reviewer; GitHub says so by webhook.
      fake.addReviewThread(REPO, pull.number, { comments: [{ body: 'please rename x', author: 'alice' }] });
      const comment = aboutPr(example('pull_request_review_comment', 'created'), 'pull_request');

      // Unsigned: refused, nothing recorded, no poll.
      expect((await deliver('pull_request_review_comment', comment, 'd-unsigned', false)).status).toBe(401);
      await sleep(1_500);
      expect(polls(poller)).toBe(afterStart);
      expect(fixes()).toHaveLength(0);
      expect((await streamState(bus, bus.subjects.githubDeliveriesStream))?.lastSeq ?? 0).toBe(0);

      // Signed: recorded, the poller polls at once and queues the /fix.
      const sent = Date.now();
      expect(await deliver('pull_request_review_comment', comment, 'd-1')).toMatchObject({ status: 202 });
      await until(() => (fixes().length === 1 ? true : undefined), 'the /fix from the webhook', { timeoutMs: 10_000 });
      expect(Date.now() - sent).toBeLessThan(10_000);
      expect(fixes()[0]?.context).toContain('please rename x');

      // The same delivery again: 200, dropped by the log, no poll.
      await until(() => (poller.actor.getSnapshot().value === 'waiting' ? true : undefined), 'the poll to end', {
        timeoutMs: 10_000,
      });
      const afterFix = polls(poller);
      expect(await deliver('pull_request_review_comment', comment, 'd-1')).toMatchObject({
        status: 200,
        text: 'duplicate\n',
      });
      await sleep(1_500);
      expect(polls(poller)).toBe(afterFix);

      // Older events out of order (an opened PR, a requested check suite): they poke a poll
      // that re-reads GitHub, and the feedback already handled is not queued again.
      expect(
        (await deliver('check_suite', aboutPr(example('check_suite', 'requested'), 'check_suite'), 'd-0a')).status,
      ).toBe(202);
      expect(
        (await deliver('pull_request', aboutPr(example('pull_request', 'opened'), 'pull_request'), 'd-0b')).status,
      ).toBe(202);
      await until(() => (polls(poller) > afterFix ? true : undefined), 'a poll for the late deliveries', {
        timeoutMs: 10_000,
      });
      await sleep(1_000);
      expect(fixes()).toHaveLength(1);

      // While the poller is down: new feedback, its delivery recorded; the poller started again
      // reads it from the log (its durable consumer acknowledges it) and queues one /fix for it.
      await poller.stop();
      fake.addReviewThread(REPO, pull.number, { comments: [{ body: 'and add a test', author: 'alice' }] });
      expect((await deliver('pull_request_review_comment', comment, 'd-2')).status).toBe(202);
      const lastSeq = (await streamState(bus, bus.subjects.githubDeliveriesStream))!.lastSeq;
      poller = await startActor(prPollerKind, 'pr-poller');
      await until(
        async () =>
          (await durableState(bus, bus.subjects.githubDeliveriesStream, webhookFeedDurable(bus)))?.ackFloor === lastSeq
            ? true
            : undefined,
        'the delivery recorded while down to be consumed',
        { timeoutMs: 10_000 },
      );
      await until(() => (fixes().length === 2 ? true : undefined), 'the /fix for the new feedback', {
        timeoutMs: 10_000,
      });
      expect((poller.actor.getSnapshot().context as { webhooks: number }).webhooks).toBe(1);
      expect(poller.parts.control?.status?.({})).toMatchObject({
        webhooks: { received: 1, live: true, safetyIntervalMs: 600_000 },
      });
      expect(fixes()[1]?.context).toContain('and add a test');

      // The record outlives the webhook actor: restarted, it still knows d-1.
      await webhook.stop();
      webhook = await startActor(webhookKind, 'webhook');
      expect(await deliver('pull_request_review_comment', comment, 'd-1')).toMatchObject({ status: 200 });
      expect(await deliver('pull_request_review_comment', comment, 'd-2')).toMatchObject({ status: 200 });
      await sleep(1_500);
      expect(fixes()).toHaveLength(2);
      expect(adds).toHaveLength(2);
    } finally {
      await poller.stop();
      await webhook.stop();
    }
  }, 90_000);
});
