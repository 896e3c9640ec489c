// The web actor: the local live page of the tree (docs/observability.md#the-live-page). It
// listens on web.host:web.port (loopback unless TLS is configured), admits only the holder of
// the operator's web token, feeds the page from NATS and acts through the CLI's requests under
// its own bus user. Its URL goes to <stateDir>/web.url for `status` and `web login`.
import { randomUUID } from 'node:crypto';
import type { AnyActorRef } from 'xstate';
import { webMachine, type WebContext } from '../../machines/web.js';
import { failoverWaitMs, requestThroughFailover } from '../bus/index.js';
import { describeError } from '../errors.js';
import { actionRequest } from '../web/actions.js';
import { ensureWebToken, WebAuth } from '../web/auth.js';
import { LiveFeed } from '../web/liveFeed.js';
import { actorGraph } from '../web/machineGraph.js';
import { replayRun } from '../web/runReplay.js';
import { startWebServer, type WebServer } from '../web/server.js';
import { missionSpendSoFar } from '../web/spendSoFar.js';
import { previousPort, writeWebUrl } from '../web/urlFile.js';
import type { ActorKind, ActorParts } from './host.js';

export const webKind: ActorKind = {
  description: 'serves the local live page of the tree (token required)',
  create: ({ name, config, bus, logger }): ActorParts => {
    const w = config.web;
    const auth = new WebAuth(ensureWebToken(config.stateDir));
    let actorRef: AnyActorRef | undefined;
    let server: WebServer | undefined;
    const pages = new Set<(event: string, data: unknown) => void>();
    const feed = new LiveFeed(
      bus,
      name,
      (event, data) => {
        for (const send of pages) send(event, data);
      },
      logger,
      config.heartbeat.interval,
      (missionId) => missionSpendSoFar(config.stateDir, missionId),
    );
    return {
      machine: webMachine,
      start: async (actor) => {
        actorRef = actor;
        feed.start();
        // With web.port 0 a restarted actor takes its previous port again when it is free, so
        // an open page reconnects by itself.
        const again = w.port === 0 ? previousPort(config.stateDir) : undefined;
        server = await startWebServer(
          {
            host: w.host,
            ports: again ? [again, 0] : [w.port],
            ...(w.tls.cert !== '' ? { tls: { cert: w.tls.cert, key: w.tls.key } } : {}),
          },
          auth,
          {
            openChannel: async (send) => {
              // The page's id: it names the chart it draws with it (POST /api/watch).
              const page = randomUUID();
              await feed.attach(page);
              pages.add(send);
              actor.send({ type: 'PAGE.OPENED' });
              send('hello', { ...feed.state.snapshot(), self: name, page });
              return () => {
                pages.delete(send);
                feed.detach(page);
                actor.send({ type: 'PAGE.CLOSED' });
              };
            },
            watch: (page, actorName) => feed.watch(page, actorName),
            state: () => feed.state.snapshot(),
            graph: (actorName) => actorGraph(actorName),
            replay: (missionId) => replayRun(config.stateDir, missionId),
            act: async (body) => {
              actor.send({ type: 'ACTION' });
              const { subject, payload } = actionRequest(bus, name, body);
              logger.info({ verb: body.verb, subject }, 'page action');
              try {
                // A missions verb waits out the missions actor's fail-over, as the CLI and chat do.
                const waitMs = body.verb === 'restart' ? 0 : failoverWaitMs(config);
                return await requestThroughFailover(() => bus.request(subject, payload), { waitMs });
              } catch (error) {
                throw new Error(describeError(error));
              } finally {
                void feed.refreshMissions();
                void feed.refreshTree();
              }
            },
            onRefused: () => actor.send({ type: 'REFUSED' }),
          },
        );
        writeWebUrl(config.stateDir, server.url);
        logger.info({ url: server.url }, 'live page served');
      },
      stop: async () => {
        feed.stop();
        await server?.close();
      },
      drainEvent: { type: 'DRAIN' },
      control: {
        status: () => {
          const snapshot = actorRef?.getSnapshot() as { value?: unknown; context?: WebContext } | undefined;
          return { state: snapshot?.value, url: server?.url, ...snapshot?.context };
        },
      },
    };
  },
};
