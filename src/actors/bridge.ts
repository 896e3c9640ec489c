// The bridge actor (docs/architecture.md#the-bridge): runs the configured chat providers (console over
// NATS by default; Telegram, Slack, Matrix), refuses anyone not on bridge.allowedUsers, turns
// what the operator writes into commands, missions or chat turns, and delivers the durable
// outbox (<prefix>.bridge.out) to every provider, acknowledged once each accepted it. Replies
// travel through the outbox too (paced, split, surviving a restart); if JetStream cannot take
// one, it is sent directly. With host.id set it serves only the providers whose lease it holds
// (providerLeases.ts), each with its own outbox consumer, and starts each provider as its lease
// is won. Control verb `providers`: the machine state, each provider's health and counters (or
// standby, and who holds it), the outbox consumers, the sent marks and the inbound counters.
import { chatReplyBudgetMs } from '../chat/request.js';
import { join } from 'node:path';
import type { AnyActorRef } from 'xstate';
import { doublingBackoff } from '../../machines/backoff.js';
import { bridgeMachine, type BridgeContext, type BridgeEvent } from '../../machines/bridge.js';
import { createProviders, type MessagingProvider } from '../adapters/messaging/index.js';
import { failoverWaitMs, JsonKv, publishDurable } from '../bus/index.js';
import { AllowList } from '../bridge/allowList.js';
import { ProviderChannel } from '../bridge/channel.js';
import { bridgeCommands, type BridgeApi } from '../bridge/commands.js';
import { commandMenu } from '../bridge/help.js';
import { ChatTurns, tellAbandonedTurns } from '../bridge/chatTurns.js';
import { kvCursor } from '../bridge/cursor.js';
import { Outboxes } from '../bridge/outboxes.js';
import { ProviderLeases } from '../bridge/providerLeases.js';
import { startProvider } from '../bridge/providerStart.js';
import { askChat, Router } from '../bridge/router.js';
import { providersLine } from '../bridge/providersLine.js';
import { providersReport } from '../bridge/providersReport.js';
import { degradedAlert, ReceiveWatch, watchReceiving } from '../bridge/receiveWatch.js';
import { pieceLength, splitMarkdown, splitMessage } from '../bridge/split.js';
import { runUpdate } from '../bridge/update.js';
import { effectivePause, readHold } from '../missions/dispatchHold.js';
import { readPause } from '../missions/pause.js';
import { packageRoot } from '../paths.js';
import { sleep } from '../time/sleep.js';
import type { ActorKind } from './host.js';
import { describeState } from './host.js';

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** Beyond the chat actor's own limit: it retries empty answers before it replies. */
const CHAT_GRACE_MS = 15_000;

export const bridgeKind: ActorKind = {
  description: 'chat providers in and out, commands, durable outbox',
  create: async ({ name, config, bus, logger, singleton }) => {
    const kv = await JsonKv.open(bus, bus.subjects.stateBucket);
    const allowList = new AllowList(config.bridge.allowedUsers);
    for (const entry of AllowList.invalidEntries(config.bridge.allowedUsers)) {
      logger.warn({ entry }, 'bridge.allowedUsers entry is not "<provider>:<user id>" and matches nobody');
    }
    const admins = new AllowList(config.bridge.admins);
    for (const entry of AllowList.invalidEntries(config.bridge.admins)) {
      logger.warn({ entry }, 'bridge.admins entry is not "<provider>:<user id>" and matches nobody');
    }
    // With host.id set: a provider held elsewhere waits here, in standby; one not buildable has no lease.
    const leases = singleton instanceof ProviderLeases ? singleton : undefined;
    const cursor = (provider: string) => kvCursor(kv, provider);
    const { providers, failures } = await createProviders(config, logger, cursor, { bus, failuresLogged: !!leases });
    const names = [...providers.map((p) => p.provider.name), ...failures.map((f) => f.name)];
    const stopping = new AbortController();
    const started = new Set<string>();
    const attempted = new Set<string>();
    let actorRef: AnyActorRef | undefined;
    const send = (event: BridgeEvent) => actorRef?.send(event);
    const health = () => (actorRef?.getSnapshot() as { context?: BridgeContext } | undefined)?.context;

    const watch = new ReceiveWatch(
      providers.flatMap(({ provider, silentAfterMs }) => {
        const receiving = provider.receiving?.bind(provider);
        return receiving && silentAfterMs !== undefined ? [{ name: provider.name, silentAfterMs, receiving }] : [];
      }),
    );
    const channels = providers.map(
      ({ provider, minIntervalMs }) =>
        new ProviderChannel(provider, {
          minIntervalMs,
          logger: logger.child({ provider: provider.name }),
          onHealth: (report) => {
            if (report.up) {
              // Sends work again; a provider that still cannot receive stays degraded.
              if (started.has(provider.name) && !watch.isDegraded(provider.name))
                send({ type: 'PROVIDER.UP', name: provider.name, at: Date.now() });
            } else {
              send({ type: 'PROVIDER.FAILED', name: provider.name, error: `sending: ${report.error}`, at: Date.now() });
            }
          },
        }),
    );
    const channelOf = (name: string) => channels.find((c) => c.name === name);
    const providerOf = (name: string): MessagingProvider | undefined =>
      providers.find((p) => p.provider.name === name)?.provider;

    const outboxes = new Outboxes(
      {
        bus,
        kv,
        level: config.bridge.level,
        maxMessageLength: config.bridge.maxMessageLength,
        logger: logger.child({ component: 'outbox' }),
        onReady: () => send({ type: 'OUTBOX.READY', at: Date.now() }),
      },
      channels,
      leases !== undefined,
    );

    const api: BridgeApi = {
      // Mission requests carry the bridge's identity: the missions actor records them as source chat.
      subjects: { ...bus.subjects, missions: (verb: string) => bus.subjects.missionsAs(verb, name) },
      request: (subject, payload, timeoutMs) => bus.request(subject, payload, timeoutMs),
      ...(config.host.id
        ? { requestAll: <T>(subject: string, payload: Record<string, unknown>) => bus.requestAll<T>(subject, payload) }
        : {}),
      now: Date.now,
      missionsFailoverMs: failoverWaitMs(config),
      readPause: async () => effectivePause(await readPause(kv), await readHold(kv), Date.now()),
      usageFile: join(config.stateDir, 'usage.jsonl'),
      update: async (report, { force }) => {
        await runUpdate({ cwd: packageRoot(), stateDir: config.stateDir, report, force });
      },
      providersLine: () => {
        const context = health();
        return context ? providersLine(context.providers, leases?.standby()) : '';
      },
    };

    const turns = new ChatTurns(kv, logger.child({ component: 'chat-turns' }));
    // One table for the router, /help and each provider's command menu.
    const commands = bridgeCommands();
    const router = new Router({
      commands,
      turns,
      allowList,
      admins,
      maxPerMinute: config.bridge.maxPerMinute,
      api,
      logger,
      reply: async (message, text, index, extras) => {
        const id = `reply-${message.provider}-${message.chatId}-${message.messageId}-${index}`;
        const payload = {
          id,
          kind: 'reply',
          source: 'bridge',
          provider: message.provider,
          chatId: message.chatId,
          text,
          // Threaded to the operator's message where the provider has replies (docs/chat.md#replies-and-buttons).
          replyTo: message.messageId,
          ...(extras?.format ? { format: extras.format } : {}),
          ...(extras?.actions ? { actions: extras.actions } : {}),
          at: Date.now(),
        };
        try {
          await publishDurable(bus, bus.subjects.bridgeOut, payload, id);
        } catch (error) {
          const channel = channelOf(message.provider);
          logger.warn({ err: error, provider: message.provider }, 'outbox unavailable; replying directly');
          if (!channel) throw error;
          await channel.enqueue({
            pieces: (extras?.format === 'markdown' ? splitMarkdown : splitMessage)(
              text,
              pieceLength(config.bridge.maxMessageLength, channel.provider.maxLength),
            ),
            chatId: message.chatId,
            replyTo: message.messageId,
            ...(extras?.format ? { format: extras.format } : {}),
            ...(extras?.actions ? { actions: extras.actions } : {}),
          });
        }
      },
      // As long as the chat may take for one reply, retries of empty answers included.
      chat: (request) =>
        askChat(
          (s, p, t) => bus.request(s, p, t),
          bus.subjects.chatRequest,
          request,
          chatReplyBudgetMs(config.chat.timeout) + CHAT_GRACE_MS,
        ),
      typing: async (message) => {
        await providerOf(message.provider)?.typing?.(message.chatId);
      },
    });

    const pause = (ms: number) => sleep(ms, { signal: stopping.signal });
    const backoff = (attempt: number) => doublingBackoff(attempt, { initialMs: RETRY_MIN_MS, maxMs: RETRY_MAX_MS });

    const starting = {
      signal: stopping.signal,
      send,
      receive: (message: Parameters<Router['handle']>[0]) => router.handle(message),
      menu: commandMenu(commands),
      logger,
      pause: (attempt: number) => pause(backoff(attempt)),
      started: (provider: string) => started.add(provider),
    };
    const retryOutbox = {
      signal: stopping.signal,
      failed: async (error: unknown, attempt: number) => {
        send({ type: 'OUTBOX.LOST', error: (error as Error).message, at: Date.now() });
        logger.warn({ err: error, attempt }, 'outbox consumer not ready; will try again');
        await pause(backoff(attempt));
      },
    };

    // Bridge messages of its own (an alert, an "ask again"), durable and deduplicated by id.
    const publishOwn = (payload: { id: string; kind: string; text: string; provider?: string; chatId?: string }) =>
      publishDurable(bus, bus.subjects.bridgeOut, { ...payload, source: 'bridge', at: Date.now() }, payload.id);
    let stopWatching = () => {};

    /** With host.id set: the lease of `provider` is ours. Its turns left asking are settled before it receives. */
    const serve = async (provider: string) => {
      const setup = providers.find((p) => p.provider.name === provider);
      if (stopping.signal.aborted || !setup) return;
      logger.info({ provider }, 'serving chat provider: its lease is ours');
      attempted.add(provider);
      void outboxes.start(provider, retryOutbox);
      await tellAbandonedTurns(turns, publishOwn, logger, [provider]);
      await startProvider(setup.provider, starting);
    };

    return {
      machine: bridgeMachine,
      input: { providers: names.filter((n) => !(n in (leases?.standby() ?? {}))), now: Date.now() },
      start: (actor) => {
        actorRef = actor;
        // With host.id set too: a provider that cannot be built has no lease (singletonHost.ts).
        for (const failure of failures)
          send({ type: 'PROVIDER.FAILED', name: failure.name, error: failure.error, at: Date.now() });
        stopWatching = watchReceiving(watch, {
          isStarted: (provider) => started.has(provider),
          up: (provider) => {
            logger.info({ provider }, 'chat provider receives again');
            send({ type: 'PROVIDER.UP', name: provider, at: Date.now() });
          },
          degraded: (provider, reason) => {
            logger.warn({ provider, reason }, 'chat provider degraded');
            send({ type: 'PROVIDER.FAILED', name: provider, error: reason, at: Date.now() });
            void publishOwn(degradedAlert(provider, reason)).catch((error: unknown) =>
              logger.warn({ err: error }, 'degraded-provider alert not queued'),
            );
          },
        });
        if (leases) {
          leases.serve((provider) => void serve(provider));
        } else {
          // In the background: the heartbeat starts now, and the state says "connecting" meanwhile.
          void outboxes.start(undefined, retryOutbox);
          // Turns a dead bridge left asking are settled before any provider receives (chatTurns.ts).
          void tellAbandonedTurns(turns, publishOwn, logger).then(() => {
            for (const { provider } of providers) {
              attempted.add(provider.name);
              void startProvider(provider, starting);
            }
          });
        }
        logger.info(
          {
            providers: names,
            standby: leases ? Object.keys(leases.standby()) : [],
            messagingLevel: config.bridge.level,
            allowedUsers: config.bridge.allowedUsers.length,
          },
          'bridge starting',
        );
      },
      stop: async () => {
        stopping.abort();
        stopWatching();
        send({ type: 'DRAIN' });
        // Inbound first, so nothing new starts; then the outbox, so nothing new is pulled; then
        // the sends in progress finish and record their marks (the rest stays in the stream).
        await Promise.all([
          ...providers
            .filter(({ provider }) => attempted.has(provider.name))
            .map(({ provider }) => withTimeout(provider.stop(), 1_000).catch(() => undefined)),
          router.stop(500),
        ]);
        await Promise.all([outboxes.stop(), ...channels.map((c) => c.stop(1_000))]);
        send({ type: 'DRAINED' });
      },
      drainEvent: { type: 'DRAIN' },
      control: {
        providers: () =>
          providersReport({
            state: actorRef ? describeState(actorRef) : 'starting',
            level: config.bridge.level,
            names,
            context: health(),
            leases,
            providerOf,
            channelOf,
            outboxes,
            inbound: router.counters,
          }),
      },
    };
  },
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, sleep(ms, { unref: true }).then(() => undefined)]);
}
