// The webhook intake with GitHub's real example payloads (@octokit/webhooks-examples): only a
// correctly signed delivery is recorded, once per delivery id; the summary names the repository
// and pull requests of each followed event; pings and other events are answered, not recorded.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { FOLLOWED_EVENTS, summariseDelivery, type DeliverySummary } from '../../src/webhook/deliverySummary.js';
import { takeDelivery } from '../../src/webhook/intake.js';

const require = createRequire(import.meta.url);
const examples = JSON.parse(
  readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
) as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
const example = (name: string, action?: string) => {
  const found = examples
    .find((e) => e.name === name)
    ?.examples.find((x) => action === undefined || x.action === action);
  if (!found) throw new Error(`no example ${name} ${action}`);
  return found;
};
const SECRET = 'It’s a Secret to Everybody';
const logger = createLogger({ level: 'silent' });

async function request(event: string, payload: unknown, id: string, signWith: string | null = SECRET) {
  const text = JSON.stringify(payload);
  return {
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': id,
      ...(signWith ? { 'x-hub-signature-256': await sign(signWith, text) } : {}),
    },
    body: Buffer.from(text),
  };
}

function recorder() {
  const seen = new Map<string, DeliverySummary>();
  return {
    seen,
    record: async (summary: DeliverySummary) => {
      const duplicate = seen.has(summary.deliveryId);
      if (!duplicate) seen.set(summary.deliveryId, summary);
      return { duplicate };
    },
  };
}

describe('webhook intake', () => {
  it('refuses an unsigned, a wrongly signed and an unverifiable (no secret) delivery: 401, nothing recorded', async () => {
    const store = recorder();
    const payload = example('check_run', 'completed');
    const ports = { secret: SECRET, record: store.record, logger };
    expect((await takeDelivery(await request('check_run', payload, 'a', null), ports)).status).toBe(401);
    expect((await takeDelivery(await request('check_run', payload, 'b', 'another secret'), ports)).status).toBe(401);
    expect((await takeDelivery(await request('check_run', payload, 'c'), { ...ports, secret: '' })).status).toBe(401);
    // A signed body altered afterwards.
    const tampered = await request('check_run', payload, 'd');
    tampered.body = Buffer.from(tampered.body.toString().replace('completed', 'queued'));
    expect((await takeDelivery(tampered, ports)).status).toBe(401);
    expect(store.seen.size).toBe(0);
  });

  it('records a signed delivery once; the same delivery id again is a 200 duplicate', async () => {
    const store = recorder();
    const ports = { secret: SECRET, record: store.record, logger, clock: () => 1_000 };
    const delivery = await request('workflow_run', example('workflow_run', 'completed'), 'd-1');
    const first = await takeDelivery(delivery, ports);
    expect(first).toMatchObject({ status: 202, outcome: 'recorded' });
    const again = await takeDelivery(delivery, ports);
    expect(again).toMatchObject({ status: 200, outcome: 'duplicate' });
    expect(store.seen.size).toBe(1);
  });

  it('accepts the form content type GitHub offers (payload=<json>)', async () => {
    const store = recorder();
    const json = JSON.stringify(example('pull_request', 'opened'));
    const body = `payload=${encodeURIComponent(json)}`;
    const answer = await takeDelivery(
      {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-github-event': 'pull_request',
          'x-github-delivery': 'form-1',
          'x-hub-signature-256': await sign(SECRET, body),
        },
        body: Buffer.from(body),
      },
      { secret: SECRET, record: store.record, logger },
    );
    expect(answer.outcome).toBe('recorded');
    expect(store.seen.get('form-1')?.numbers).toEqual([
      (example('pull_request', 'opened').pull_request as { number: number }).number,
    ]);
  });

  it('answers a ping and an event it does not follow without recording them', async () => {
    const store = recorder();
    const ports = { secret: SECRET, record: store.record, logger };
    expect(await takeDelivery(await request('ping', example('ping'), 'p'), ports)).toMatchObject({
      status: 200,
      outcome: 'ignored',
    });
    const push = examples.find((e) => e.name === 'push')!.examples[0]!;
    expect(await takeDelivery(await request('push', push, 'q'), ports)).toMatchObject({
      status: 202,
      outcome: 'ignored',
    });
    expect(store.seen.size).toBe(0);
  });

  it('a delivery that could not be recorded is not acknowledged (503)', async () => {
    const ports = {
      secret: SECRET,
      record: async () => {
        throw new Error('no JetStream');
      },
      logger,
    };
    expect(
      await takeDelivery(await request('check_suite', example('check_suite', 'completed'), 'x'), ports),
    ).toMatchObject({
      status: 503,
      outcome: 'failed',
    });
  });

  it('summarises every followed event of the examples: repository, pull requests, head', () => {
    for (const event of FOLLOWED_EVENTS) {
      const list = examples.find((e) => e.name === event)!.examples;
      expect(list.length).toBeGreaterThan(0);
      for (const payload of list) {
        const result = summariseDelivery(event, 'id', payload, 5);
        expect(result.kind).toBe('followed');
        if (result.kind !== 'followed') continue;
        expect(result.summary.repo).toBe((payload.repository as { full_name: string }).full_name);
        expect(result.summary.receivedAt).toBe(5);
      }
    }
    const run = example('check_run', 'completed');
    const summary = summariseDelivery('check_run', 'id', run, 0);
    const checkRun = run.check_run as { head_sha: string; pull_requests: Array<{ number: number }> };
    expect(summary).toMatchObject({
      kind: 'followed',
      summary: { headSha: checkRun.head_sha, numbers: checkRun.pull_requests.map((p) => p.number) },
    });
    const comment = example('issue_comment', 'created');
    expect(summariseDelivery('issue_comment', 'id', comment, 0)).toMatchObject({
      summary: { numbers: [(comment.issue as { number: number }).number], action: 'created' },
    });
  });
});
