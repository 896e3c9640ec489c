// The pr-poller's GitHub deliveries, durably: the durable consumer <prefix>-pr-poller-webhooks
// on <PREFIX>_GITHUB_DELIVERIES hands it each delivery the webhook actor recorded, also those
// recorded while it was down. A delivery about a registered repository pokes a poll at once
// (the machine's WEBHOOK), which re-reads GitHub: the payload itself is not trusted, so order and
// staleness do not matter, and the poller's own records keep each follow-up to one.
// docs/github.md#webhooks
import { consumeDurable, durableStart, ensureDeliveryLog, type Bus, type DurableConsumer } from '../bus/index.js';
import type { Logger } from '../log.js';
import { toDeliverySummary, type DeliverySummary } from '../webhook/deliverySummary.js';

const ACK_WAIT_MS = 30_000;
const MAX_ACK_PENDING = 256;

export function webhookFeedDurable(bus: Bus): string {
  return `${bus.subjects.prefix}-pr-poller-webhooks`;
}

/** Starts consuming; `onDelivery` is called for each delivery about one of `repos`. */
export async function followWebhookDeliveries(
  bus: Bus,
  repos: readonly string[],
  onDelivery: (delivery: DeliverySummary) => void,
  logger: Logger,
): Promise<DurableConsumer> {
  const wanted = new Set(repos.map((repo) => repo.toLowerCase()));
  const stream = bus.subjects.githubDeliveriesStream;
  const durable = webhookFeedDurable(bus);
  const created = await ensureDeliveryLog(bus);
  // Without a consumer yet (the first start): from the next delivery; the first poll reads the rest.
  const { startSeq, seen } = await durableStart(bus, stream, durable, created);

  return consumeDurable(
    bus,
    { stream, durable, ackWaitMs: ACK_WAIT_MS, maxAckPending: MAX_ACK_PENDING, startSeq, logger },
    (message) => {
      const delivery = message.payload ? toDeliverySummary(message.payload) : undefined;
      seen(message.seq);
      if (!delivery) {
        logger.warn({ seq: message.seq, problem: message.badPayload }, 'ignored an unreadable webhook delivery');
      } else if (!wanted.has(delivery.repo.toLowerCase())) {
        logger.debug(
          { delivery: delivery.deliveryId, repo: delivery.repo },
          'webhook delivery for an unregistered repository',
        );
      } else {
        logger.debug(
          { delivery: delivery.deliveryId, event: delivery.event, repo: delivery.repo, numbers: delivery.numbers },
          'webhook delivery: polling now',
        );
        onDelivery(delivery);
      }
      void message.ack();
    },
  );
}
