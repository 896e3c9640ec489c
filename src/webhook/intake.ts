// One GitHub webhook delivery, from the raw request to the answer: signature first (nothing is
// read or done for an unsigned or wrongly signed one), then the delivery id, then the durable
// record, and only then 2xx, so GitHub sees success only for what survives a restart.
// The HTTP binding is server.ts. docs/github.md#webhooks
import { verify } from '@octokit/webhooks-methods';
import type { Logger } from '../log.js';
import { summariseDelivery, type DeliverySummary } from './deliverySummary.js';

export interface DeliveryRequest {
  /** Header names in lower case, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface DeliveryAnswer {
  status: number;
  body: string;
  outcome: 'recorded' | 'duplicate' | 'ignored' | 'refused' | 'failed';
}

export interface IntakePorts {
  /** The webhook secret; undefined or "" refuses every delivery. */
  secret: string | undefined;
  /** Records durably under the delivery id; resolves once recorded (or known already). */
  record: (summary: DeliverySummary) => Promise<{ duplicate: boolean }>;
  clock?: () => number;
  logger: Logger;
}

const header = (request: DeliveryRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** GitHub posts JSON, or a form with the JSON in its `payload` field (content type per webhook). */
function parsePayload(request: DeliveryRequest): unknown {
  const text = request.body.toString('utf8');
  const type = header(request, 'content-type') ?? '';
  const json = type.startsWith('application/x-www-form-urlencoded')
    ? (new URLSearchParams(text).get('payload') ?? '')
    : text;
  return JSON.parse(json);
}

export async function takeDelivery(request: DeliveryRequest, ports: IntakePorts): Promise<DeliveryAnswer> {
  const signature = header(request, 'x-hub-signature-256');
  const text = request.body.toString('utf8');
  let signed = false;
  if (ports.secret && signature && text) {
    signed = await verify(ports.secret, text, signature).catch(() => false);
  }
  if (!signed) {
    ports.logger.warn(
      { delivery: header(request, 'x-github-delivery'), signature: signature ? 'wrong' : 'missing' },
      ports.secret
        ? 'refused a webhook delivery: signature missing or wrong'
        : 'refused a webhook delivery: no secret set',
    );
    return { status: 401, body: 'signature missing or wrong\n', outcome: 'refused' };
  }
  const deliveryId = header(request, 'x-github-delivery');
  const event = header(request, 'x-github-event');
  if (!deliveryId || !event)
    return { status: 400, body: 'X-GitHub-Delivery and X-GitHub-Event required\n', outcome: 'refused' };
  let payload: unknown;
  try {
    payload = parsePayload(request);
  } catch {
    return { status: 400, body: 'payload is not JSON\n', outcome: 'refused' };
  }
  if (event === 'ping') return { status: 200, body: 'pong\n', outcome: 'ignored' };
  const summarised = summariseDelivery(event, deliveryId, payload, (ports.clock ?? Date.now)());
  if (summarised.kind === 'ignored') {
    ports.logger.debug({ delivery: deliveryId, event, reason: summarised.reason }, 'webhook delivery not followed');
    return { status: 202, body: `not followed: ${summarised.reason}\n`, outcome: 'ignored' };
  }
  try {
    const { duplicate } = await ports.record(summarised.summary);
    const { repo, numbers, action } = summarised.summary;
    ports.logger.info({ delivery: deliveryId, event, action, repo, numbers, duplicate }, 'webhook delivery');
    return duplicate
      ? { status: 200, body: 'duplicate\n', outcome: 'duplicate' }
      : { status: 202, body: 'recorded\n', outcome: 'recorded' };
  } catch (error) {
    // Not recorded, so not acknowledged: GitHub shows the failure and can redeliver it.
    ports.logger.warn({ err: error, delivery: deliveryId, event }, 'could not record a webhook delivery');
    return { status: 503, body: 'could not record the delivery\n', outcome: 'failed' };
  }
}
