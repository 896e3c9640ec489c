// Discord provider: the Gateway (WebSocket, discordGateway.ts) in, REST out, one configured
// channel. People's messages there arrive as commands (bots, webhooks and our own posts ignored);
// a button press (INTERACTION_CREATE) is acknowledged at once and arrives as the presser sending
// the button's command. The cursor is the id of the last message handed over: after a restart or
// a session Discord would not resume, the channel's history since it is read over REST first, so
// nothing is lost or repeated (presses are not in history: one made while roshi is away fails in
// Discord's client). See docs/chat.md#discord.
import type { RoshiConfig } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import { refuseEmptyText } from './apiErrors.js';
import { DiscordApi } from './discordApi.js';
import { DiscordGateway, GATEWAY_INTENTS } from './discordGateway.js';
import { DiscordHistory } from './discordHistory.js';
import { toInbound, toPress } from './discordInbound.js';
import { createMessageBody } from './discordOutbound.js';
import { DISCORD_CONTENT_LIMIT, SNOWFLAKE, compareSnowflakes } from './discordText.js';
import {
  RequestAborted,
  START_CALL_TIMEOUT_MS,
  deliver,
  errorText,
  field,
  providerLogger,
  saveCursor,
  str,
  type ProviderDeps,
} from './http.js';
import { readToken, requireSetting } from './providerSettings.js';
import { sleep } from '../../time/sleep.js';
import {
  ProviderError,
  type InboundMessage,
  type MessagingProvider,
  type OutboundMessage,
  type ReceiveHealth,
} from './types.js';

export type DiscordSettings = RoshiConfig['bridge']['discord'];

export const DISCORD_MAX_LENGTH = DISCORD_CONTENT_LIMIT;
const NAME = 'discord';
const CHANNEL_EXPECTED =
  'a channel id such as 1234567890123456789 (Discord: Settings → Advanced → Developer Mode, then right-click the channel → Copy Channel ID)';

export function createDiscordProvider(settings: DiscordSettings, deps: ProviderDeps): MessagingProvider {
  const what = 'the Discord bot token (Developer Portal → your app → Bot → Reset Token)';
  const token = readToken(deps.env, settings.tokenEnv, 'bridge.discord.tokenEnv', what);
  const channelOk = SNOWFLAKE.test(settings.channelId);
  requireSetting('bridge.discord.channelId', settings.channelId, channelOk, CHANNEL_EXPECTED);
  return new DiscordProvider(settings, deps, token);
}

type OnMessage = (message: InboundMessage) => Promise<void>;

class DiscordProvider implements MessagingProvider {
  readonly name = NAME;
  readonly maxLength = DISCORD_MAX_LENGTH;
  readonly defaultChatId: string;
  private readonly logger: Logger;
  private readonly api: DiscordApi;
  private readonly history: DiscordHistory;
  private stopController = new AbortController();
  private gateway: DiscordGateway | undefined;
  private health: ReceiveHealth = { what: 'gateway', lastOkAt: Date.now() };
  private botUserId: string | undefined;
  /** The last message of the channel handed over (or skipped), as saved in the cursor. */
  private lastId: string | undefined;
  /** Inbound work, one item at a time in arrival order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: DiscordSettings,
    private readonly deps: ProviderDeps,
    private readonly token: string,
  ) {
    this.logger = providerLogger(deps.logger, NAME);
    this.defaultChatId = settings.channelId;
    this.api = new DiscordApi(settings.apiUrl, token, settings.tokenEnv, settings.channelId);
    this.history = new DiscordHistory(this.api, settings.channelId, this.logger);
  }

  async start(onMessage: OnMessage): Promise<void> {
    if (this.gateway) throw new Error('discord provider already started');
    this.stopController = new AbortController();
    const signal = this.stopController.signal;
    this.health = { what: 'gateway', lastOkAt: Date.now() };
    await this.startupStep(async () => {
      const me = await this.api.call({ what: 'getCurrentUser', method: 'GET', path: '/users/@me', signal });
      this.botUserId = str(field(me, 'id'));
      this.logger.info({ bot: str(field(me, 'username')), channel: this.settings.channelId }, 'discord: connected');
    });
    const saved = await this.deps.cursor.load();
    this.lastId = saved === '' ? undefined : saved;
    if (this.lastId === undefined)
      await this.startupStep(async () => {
        this.lastId = await this.history.latestId(signal);
        await saveCursor(this.deps.cursor, this.lastId, this.logger);
        this.logger.info({ after: this.lastId }, 'discord: first start: channel history skipped');
      });
    if (signal.aborted) return;
    let settle: (error?: ProviderError) => void = () => {};
    const settled = new Promise<ProviderError | undefined>((resolve) => {
      settle = resolve;
    });
    this.gateway = this.makeGateway(onMessage, signal, settle);
    this.gateway.start();
    // Resolves at READY; a refusal (bad token, intent not enabled) fails start(); an unreachable
    // gateway is only logged and tried again.
    const waited = new AbortController();
    const stopWaiting = () => waited.abort();
    signal.addEventListener('abort', stopWaiting, { once: true });
    const deadline = sleep(START_CALL_TIMEOUT_MS, { signal: waited.signal }).then(() => undefined);
    const outcome = await Promise.race([settled, deadline]);
    waited.abort();
    signal.removeEventListener('abort', stopWaiting);
    if (outcome) {
      await this.stop();
      throw outcome;
    }
  }

  private makeGateway(onMessage: OnMessage, signal: AbortSignal, settle: (e?: ProviderError) => void) {
    return new DiscordGateway({
      url: (s) => this.gatewayUrl(s),
      token: this.token,
      tokenEnv: this.settings.tokenEnv,
      intents: GATEWAY_INTENTS,
      logger: this.logger,
      retry: this.deps.retry ?? { minMs: 250, maxMs: 1_000 },
      onFrame: () => {
        this.health = { ...this.health, lastOkAt: Date.now() };
      },
      onTrouble: (reason) => {
        this.health = { ...this.health, lastError: reason };
      },
      onFatal: (error) => {
        this.health = { ...this.health, lastError: error.message };
        this.logger.error({ err: error.message }, 'discord: gateway stopped');
        settle(error);
      },
      onReady: ({ resumed, userId }) => {
        this.health = { what: 'gateway', lastOkAt: Date.now() };
        if (userId) this.botUserId = userId;
        this.logger.info({ resumed }, resumed ? 'discord: gateway session resumed' : 'discord: gateway ready');
        // A new session replays nothing: what came while away is read from the channel's history.
        if (!resumed) this.enqueue(() => this.catchUp(onMessage, signal));
        settle();
      },
      onDispatch: (type, data) => {
        if (type === 'MESSAGE_CREATE') this.enqueue(() => this.handle(data, onMessage, signal));
        else if (type === 'INTERACTION_CREATE') this.press(data, onMessage, signal);
      },
    });
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    const gateway = this.gateway;
    this.gateway = undefined;
    await gateway?.stop();
    await this.queue;
  }

  receiving(): ReceiveHealth {
    return this.health;
  }

  async send(message: OutboundMessage): Promise<void> {
    refuseEmptyText(NAME, message);
    const { body, dropped } = createMessageBody(message);
    if (dropped.length > 0)
      this.logger.warn({ dropped: dropped.map((a) => a.label) }, 'discord: buttons beyond Discord’s limits left out');
    const channel = message.chatId ?? this.defaultChatId;
    await this.api.call({ what: 'createMessage', method: 'POST', path: `/channels/${channel}/messages`, body });
  }

  async typing(chatId: string): Promise<void> {
    try {
      await this.api.call({
        what: 'triggerTyping',
        method: 'POST',
        path: `/channels/${chatId}/typing`,
        timeoutMs: 10_000,
      });
    } catch (error) {
      this.logger.debug({ err: errorText(error) }, 'discord: typing indicator failed');
    }
  }

  private async gatewayUrl(signal: AbortSignal): Promise<string> {
    if (this.settings.gatewayUrl !== '') return this.settings.gatewayUrl;
    const answer = await this.api.call({ what: 'getGatewayBot', method: 'GET', path: '/gateway/bot', signal });
    const url = str(field(answer, 'url'));
    if (!url) throw new ProviderError('discord: getGatewayBot failed: no url in the answer', NAME, true);
    return url;
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((error: unknown) => {
      this.logger.error({ err: errorText(error) }, 'discord: inbound handling failed');
    });
  }

  /** Every channel message after the cursor, oldest first, through the same door as live ones. */
  private async catchUp(onMessage: OnMessage, signal: AbortSignal): Promise<void> {
    if (this.lastId === undefined) return;
    await this.history.since(
      () => this.lastId ?? '0',
      (raw) => this.handle(raw, onMessage, signal),
      signal,
      this.deps.retry,
    );
  }

  /** One channel message: handed over once, in order, then the cursor moves past it. */
  private async handle(raw: unknown, onMessage: OnMessage, signal: AbortSignal): Promise<void> {
    const id = str(field(raw, 'id'));
    if (signal.aborted || id === undefined || str(field(raw, 'channel_id')) !== this.settings.channelId) return;
    if (this.lastId !== undefined && compareSnowflakes(id, this.lastId) <= 0) return; // seen already
    const message = toInbound(raw, this.botUserId);
    if (message && !(await deliver(onMessage, message, this.logger, signal))) return;
    this.lastId = id;
    await saveCursor(this.deps.cursor, id, this.logger);
  }

  /** A button press: acknowledged within Discord's 3 s (type 6, no visible change), then handed over. */
  private press(raw: unknown, onMessage: OnMessage, signal: AbortSignal): void {
    const press = toPress(raw, this.settings.channelId);
    if (!press) return;
    const ack = this.api
      .call({
        what: 'interactionCallback',
        method: 'POST',
        path: `/interactions/${press.interactionId}/${press.interactionToken}/callback`,
        body: { type: 6 },
        anonymous: true,
        timeoutMs: 3_000,
      })
      .catch((error: unknown) => this.logger.warn({ err: errorText(error) }, 'discord: button press not acknowledged'));
    this.enqueue(async () => {
      await ack;
      await deliver(onMessage, press.message, this.logger, signal);
    });
  }

  /** One start-up step: a permanent refusal throws; a stop or an unreachable service is logged and passed. */
  private async startupStep(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (error instanceof RequestAborted) return;
      if (error instanceof ProviderError && !error.transient) throw error;
      this.health = { ...this.health, lastError: errorText(error) };
      this.logger.warn({ err: errorText(error) }, 'discord: cannot reach the API yet; will keep trying');
    }
  }
}
