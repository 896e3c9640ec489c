// The bridge actor (docs/architecture.md#the-bridge): runs the configured chat providers (console over
// NATS by default; Telegram, Slack, Matrix), refuses anyone not on bridge.allowedUsers, turns
// what the operator writes into commands, missions or chat turns, and delivers the durable
// outbox (<prefix>.bridge.out) to every provider, acknowledged once each accepted it. Replies
// travel through the outbox too (paced, split, surviving a restart); if JetStream cannot take
// one, it is sent directly. Control verb `providers`: the machine state, each provider's health
// and counters, the outbox consumer, the sent marks and the inbound counters.
import { chatReplyBudgetMs } from '../chat/request.js';
import { join } from 'node:path';
import type { AnyActorRef } from 'xstate';
import { doublingBackoff } from '../../machines/backoff.js';
import { bridgeMachine, type BridgeContext, type BridgeEvent } from '../../machines/bridge.js';
import { createProviders, type MessagingProvider } from '../adapters/messaging/index.js';
import { JsonKv, publishDurable } from '../bus/index.js';
import { AllowList } from '../bridge/allowList.js';
import { ProviderChannel } from '../bridge/channel.js';
import { bridgeCommands, type BridgeApi } from '../bridge/commands.js';
import { commandMenu } from '../bridge/help.js';
import { ChatTurns, tellAbandonedTurns } from '../bridge/chatTurns.js';
import { kvCursor } from '../bridge/cursor.js';
import { Outbox } from '../bridge/outbox.js';
import { askChat, Router } from '../bridge/router.js';
import { providersLine } from '../bridge/providersLine.js';
import { degradedAlert, ReceiveWatch, watchReceiving } from '../bridge/receiveWatch.js';
import { pieceLength, splitMarkdown, splitMessage } from '../bridge/split.js';
import { runUpdate } from '../bridge/update.js';
import { effectivePause, readHold } from '../missions/dispatchHold.js';
import { readPause } from '../missions/pause.js';
import { packageRoot } from '../paths.js';
import { sleep } from '../time/sleep.js';
import type { ActorKind } from './host.js';
import { describeState } from './host.js';

const PROVIDER_START_TIMEOUT_MS = 30_000;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** Beyond the chat actor's own limit: it retries empty answers before it replies. */
const CHAT_GRACE_MS = 15_000;

export const bridgeKind: ActorKind = {
  description: 'chat providers in and out, commands, durable outbox',
  create: async ({ name, config, bus, logger }) => {
    const kv = await JsonKv.open(bus, bus.subjects.stateBucket);
    const allowList = new AllowList(config.bridge.allowedUsers);
    for (const entry of AllowList.invalidEntries(config.bridge.allowedUsers)) {
      logger.warn({ entry }, 'bridge.allowedUsers entry is not "<provider>:<user id>" and matches nobody');
    }
    const admins = new AllowList(config.bridge.admins);
    for (const entry of AllowList.invalidEntries(config.bridge.admins)) {
      logger.warn({ entry }, 'bridge.admins entry is not "<provider>:<user id>" and matches nobody');
    }
    const { providers, failures } = await createProviders(config, logger, (name) => kvCursor(kv, name), { bus });
    const names = [...providers.map((p) => p.provider.name), ...failures.map((f) => f.name)];
    const stopping = new AbortController();
    const started = new Set<string>();
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

    const outbox = new Outbox({
      bus,
      kv,
      channels,
      level: config.bridge.level,
      maxMessageLength: config.bridge.maxMessageLength,
      logger: logger.child({ component: 'outbox' }),
      onReady: () => send({ type: 'OUTBOX.READY', at: Date.now() }),
    });

    const api: BridgeApi = {
      // Mission requests carry the bridge's identity: the missions actor records them as source chat.
      subjects: { ...bus.subjects, missions: (verb: string) => bus.subjects.missionsAs(verb, name) },
      request: (subject, payload, timeoutMs) => bus.request(subject, payload, timeoutMs),
      ...(config.host.id
        ? { requestAll: <T>(subject: string, payload: Record<string, unknown>) => bus.requestAll<T>(subject, payload) }
        : {}),
      now: Date.now,
      readPause: async () => effectivePause(await readPause(kv), await readHold(kv), Date.now()),
      usageFile: join(config.stateDir, 'usage.jsonl'),
      update: async (report, { force }) => {
        await runUpdate({ cwd: packageRoot(), stateDir: config.stateDir, report, force });
      },
      providersLine: () => {
        const context = health();
        return context ? providersLine(context.providers) : '';
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

    /** Starts one provider, again and again with backoff until it receives (or the bridge stops). */
    const startProvider = async (provider: MessagingProvider) => {
      for (let attempt = 1; !stopping.signal.aborted; attempt++) {
        send({ type: 'PROVIDER.STARTING', name: provider.name, at: Date.now() });
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            provider.start((message) => router.handle(message)),
            new Promise((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`did not start within ${PROVIDER_START_TIMEOUT_MS / 1000}s`)),
                PROVIDER_START_TIMEOUT_MS,
              );
            }),
          ]);
          if (stopping.signal.aborted) return;
          started.add(provider.name);
          send({ type: 'PROVIDER.UP', name: provider.name, at: Date.now() });
          // Best effort, in the background: the provider logs a refusal.
          void provider.registerCommands?.(commandMenu(commands)).catch(() => undefined);
          logger.info({ provider: provider.name }, 'chat provider receiving');
          return;
        } catch (error) {
          const message = (error as Error).message ?? String(error);
          send({ type: 'PROVIDER.FAILED', name: provider.name, error: `starting: ${message}`, at: Date.now() });
          logger.warn({ provider: provider.name, err: error, attempt }, 'chat provider did not start; will try again');
          await provider.stop().catch(() => undefined);
          await pause(backoff(attempt));
        } finally {
          clearTimeout(timer);
        }
      }
    };

    // Bridge messages of its own (an alert, an "ask again"), durable and deduplicated by id.
    const publishOwn = (payload: { id: string; kind: string; text: string; provider?: string; chatId?: string }) =>
      publishDurable(bus, bus.subjects.bridgeOut, { ...payload, source: 'bridge', at: Date.now() }, payload.id);
    let stopWatching = () => {};

    const startOutbox = async () => {
      for (let attempt = 1; !stopping.signal.aborted; attempt++) {
        try {
          await outbox.start();
          return;
        } catch (error) {
          send({ type: 'OUTBOX.LOST', error: (error as Error).message, at: Date.now() });
          logger.warn({ err: error, attempt }, 'outbox consumer not ready; will try again');
          await pause(backoff(attempt));
        }
      }
    };

    return {
      machine: bridgeMachine,
      input: { providers: names, now: Date.now() },
      start: (actor) => {
        actorRef = actor;
        for (const failure of failures)
          send({ type: 'PROVIDER.FAILED', name: failure.name, error: failure.error, at: Date.now() });
        // In the background: the heartbeat starts now, and the state says "connecting" meanwhile.
        void startOutbox();
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
        // Turns a dead bridge left asking are settled before any provider receives (chatTurns.ts).
        void tellAbandonedTurns(turns, publishOwn, logger).then(() => {
          for (const { provider } of providers) void startProvider(provider);
        });
        logger.info(
          { providers: names, messagingLevel: config.bridge.level, allowedUsers: config.bridge.allowedUsers.length },
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
          ...providers.map(({ provider }) => withTimeout(provider.stop(), 1_000).catch(() => undefined)),
          router.stop(500),
        ]);
        await Promise.all([outbox.stop(), ...channels.map((c) => c.stop(1_000))]);
        send({ type: 'DRAINED' });
      },
      drainEvent: { type: 'DRAIN' },
      control: {
        providers: () => {
          const context = health();
          return {
            state: actorRef ? describeState(actorRef) : 'starting',
            level: config.bridge.level,
            providers: Object.fromEntries(
              names.map((name) => [
                name,
                {
                  ...(context?.providers[name] ?? { state: 'unknown' }),
                  maxLength: providerOf(name)?.maxLength ?? null,
                  defaultChatId: providerOf(name)?.defaultChatId ?? null,
                  send: channelOf(name)?.stats ?? null,
                  receive: providerOf(name)?.receiving?.() ?? null,
                },
              ]),
            ),
            outbox: { ...(context?.outbox ?? {}), ...outbox.stats() },
            inbound: router.counters,
          };
        },
      },
    };
  },
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, sleep(ms, { unref: true }).then(() => undefined)]);
}
