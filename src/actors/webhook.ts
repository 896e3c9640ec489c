// The webhook actor: GitHub's webhook deliveries in, verified (webhook.secretEnv, which only this
// actor holds), recorded once per delivery id in <PREFIX>_GITHUB_DELIVERIES, answered only then.
// The pr-poller reads that log durably (prPollerWebhookFeed.ts) and re-reads GitHub at once.
// Off by default (actors.webhook.enabled). docs/github.md#webhooks
import type { AnyActorRef } from 'xstate';
import { webhookMachine, type WebhookContext } from '../../machines/webhook.js';
import { ensureDeliveryLog, recordDelivery } from '../bus/index.js';
import { startWebhookServer, type WebhookServer } from '../webhook/server.js';
import type { ActorKind, ActorParts } from './host.js';

export const webhookKind: ActorKind = {
  description: 'receives GitHub webhooks: verified, recorded once per delivery, then the pr-poller follows up',
  create: async ({ config, bus, logger }): Promise<ActorParts> => {
    const w = config.webhook;
    const secret = process.env[w.secretEnv];
    if (!secret) {
      logger.warn(
        { secretEnv: w.secretEnv },
        `no webhook secret: the environment variable ${w.secretEnv} (webhook.secretEnv) is not set; every delivery is refused`,
      );
    }
    await ensureDeliveryLog(bus);
    let actorRef: AnyActorRef | undefined;
    let server: WebhookServer | undefined;
    return {
      machine: webhookMachine,
      start: async (actor) => {
        actorRef = actor;
        server = await startWebhookServer(
          { listen: w.listen, path: w.path },
          {
            secret,
            record: (summary) => recordDelivery(bus, summary.deliveryId, summary),
            onAnswer: (answer) => actor.send({ type: 'ANSWERED', outcome: answer.outcome, at: Date.now() }),
            logger,
          },
          logger,
        );
      },
      stop: async () => {
        await server?.close();
      },
      drainEvent: { type: 'DRAIN' },
      control: {
        status: () => {
          const snapshot = actorRef?.getSnapshot() as { value?: unknown; context?: WebhookContext } | undefined;
          return {
            state: snapshot?.value,
            address: server?.address,
            path: w.path,
            secret: secret ? 'set' : 'missing',
            ...snapshot?.context,
          };
        },
      },
    };
  },
};
