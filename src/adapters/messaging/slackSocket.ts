// The Slack provider over Socket Mode (when bridge.slack.appTokenEnv names a set variable): the
// bot token checks itself and sends (auth.test, chat.postMessage); the app-level token opens a
// WebSocket (slackSocketClient.ts) whose envelopes slackSocketIntake.ts hands over. A closed
// connection is opened again (the receive floor between attempts, a backoff after failures reset
// by Slack's hello); the provider is receiving while connected, so one closed longer than
// silentAfter turns degraded. See docs/providers.md#slack.
import type { SocketModeClient } from '@slack/socket-mode';
import { formatDuration } from '../../config/duration.js';
import type { Logger } from '../../log.js';
import { sleep } from '../../time/sleep.js';
import {
  DEFAULT_RETRY,
  START_CALL_TIMEOUT_MS,
  backoffMs,
  errorText,
  field,
  providerLogger,
  str,
  type ProviderDeps,
} from './http.js';
import { RECEIVE_FLOOR_MS } from './receiveLoop.js';
import { SlackApi } from './slackApi.js';
import { latestTs, messagesSince } from './slackHistory.js';
import { SLACK } from './slackInbound.js';
import { SLACK_MAX_LENGTH, SlackReplies } from './slackReplies.js';
import { createSocketClient, socketFailure, type SocketClientOptions } from './slackSocketClient.js';
import { SlackSocketIntake, type SocketEvent } from './slackSocketIntake.js';
import { ProviderError, type InboundMessage, type MessagingProvider, type OutboundMessage } from './types.js';

type OnMessage = (message: InboundMessage) => Promise<void>;

export interface SlackSocketSettings {
  apiUrl: string;
  botTokenEnv: string;
  appTokenEnv: string;
  channel: string;
  silentAfter: number;
}

const REFUSED_MAX_MS = 60_000;
/** The longest wait for Slack's hello once the WebSocket is open (shorter when silentAfter is). */
const HELLO_TIMEOUT_MS = 30_000;

export class SlackSocketProvider implements MessagingProvider {
  readonly name = SLACK;
  readonly maxLength = SLACK_MAX_LENGTH;
  readonly repliesInThread = true;
  readonly defaultChatId: string;
  private readonly logger: Logger;
  private readonly api: SlackApi;
  private readonly replies: SlackReplies;
  private readonly client: SocketClientOptions;
  private stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private botUserId: string | undefined;
  private connected = false;
  private lastOkAt = Date.now();
  private lastError: string | undefined;
  private intake: SlackSocketIntake | undefined;
  private readonly opening = new Set<Promise<unknown>>();

  constructor(
    private readonly settings: SlackSocketSettings,
    private readonly deps: ProviderDeps,
    botToken: string,
    appToken: string,
  ) {
    this.logger = providerLogger(deps.logger, SLACK);
    this.defaultChatId = settings.channel;
    const secrets = [botToken, appToken];
    this.api = new SlackApi(settings, botToken, secrets);
    this.replies = new SlackReplies(this.api, settings.channel);
    this.client = {
      apiUrl: settings.apiUrl,
      appToken,
      appTokenEnv: settings.appTokenEnv,
      logger: this.logger,
      secrets,
    };
  }

  async start(onMessage: OnMessage): Promise<void> {
    if (this.loop) throw new Error('slack provider already started');
    this.stopController = new AbortController();
    const signal = this.stopController.signal;
    this.lastOkAt = Date.now();
    this.lastError = undefined;
    const intake = new SlackSocketIntake({
      channel: this.settings.channel,
      botUserId: () => this.botUserId,
      onMessage,
      signal,
      logger: this.logger,
      cursor: this.deps.cursor,
      replies: this.replies,
    });
    await intake.resume();
    this.intake = intake;
    let closed: Promise<void> | undefined;
    try {
      await this.prepare(signal);
      ({ closed } = await this.open(signal));
    } catch (error) {
      if (error instanceof ProviderError && !error.transient) throw error;
      this.failed(error, 1);
    }
    this.loop = this.run(signal, closed);
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    const loop = this.loop;
    this.loop = undefined;
    await loop;
    await Promise.allSettled([...this.opening]);
    await this.intake?.drained();
  }

  send(message: OutboundMessage): Promise<void> {
    return this.replies.send(message);
  }

  receiving() {
    const lastOkAt = this.connected ? Date.now() : this.lastOkAt;
    return {
      what: 'Socket Mode',
      lastOkAt,
      ...(this.lastError && !this.connected ? { lastError: this.lastError } : {}),
    };
  }

  /** auth.test: who the bot is (its own messages are not commands); a refused bot token fails start(). */
  private async checkBotToken(signal: AbortSignal): Promise<void> {
    if (this.botUserId !== undefined) return;
    const auth = await this.api.call('auth.test', 'POST', {}, signal, START_CALL_TIMEOUT_MS);
    this.botUserId = str(field(auth, 'user_id'));
    const details = { team: str(field(auth, 'team')), botUser: this.botUserId, channel: this.settings.channel };
    this.logger.info(details, 'slack: connected (Socket Mode)');
  }

  /** Before a connection: the bot token checked, and a first start set at the channel's latest message (as polling does). */
  private async prepare(signal: AbortSignal): Promise<void> {
    await this.checkBotToken(signal);
    const intake = this.intake;
    if (!intake || intake.cursor !== undefined) return;
    await intake.begin(await latestTs(this.api, this.settings.channel, signal, START_CALL_TIMEOUT_MS));
    this.logger.info({ oldest: intake.cursor }, 'slack: first start: channel history skipped');
  }

  /** Reconnects after each close: the floor between attempts, a backoff after failures, reset by a hello. */
  private async run(signal: AbortSignal, first: Promise<void> | undefined): Promise<void> {
    let closed = first;
    let failures = first ? 0 : 1;
    let lastError: unknown;
    const floorMs = this.deps.receiveFloorMs ?? RECEIVE_FLOOR_MS;
    while (!signal.aborted) {
      if (closed) {
        await closed;
        this.connected = false;
        this.lastOkAt = Date.now();
        this.lastError = 'the Socket Mode connection closed';
        if (signal.aborted) break;
        this.logger.info('slack: Socket Mode connection closed; opening a new one');
      }
      const permanent = lastError instanceof ProviderError && !lastError.transient;
      const retry = this.deps.retry ?? DEFAULT_RETRY;
      const wait =
        failures === 0
          ? floorMs
          : backoffMs(failures, permanent ? { ...retry, maxMs: REFUSED_MAX_MS } : retry, lastError);
      await sleep(Math.max(wait, floorMs), { signal });
      if (signal.aborted) break;
      try {
        await this.prepare(signal);
        ({ closed } = await this.open(signal));
        failures = 0;
        lastError = undefined;
      } catch (error) {
        if (signal.aborted) break;
        closed = undefined;
        lastError = error instanceof ProviderError ? error : socketFailure(error, this.client);
        this.failed(lastError, ++failures);
      }
    }
  }

  /** Opens one connection; resolves at Slack's hello with a promise of its close. */
  private async open(signal: AbortSignal): Promise<{ closed: Promise<void> }> {
    const client: SocketModeClient = createSocketClient(this.client);
    let wsError: unknown;
    client.on('error', (error: unknown) => {
      wsError = error;
    });
    const intake = this.intake;
    client.on('slack_event', (event: SocketEvent) => intake?.enqueue(event));
    const closed = new Promise<void>((resolve) => client.once('disconnected', () => resolve()));
    // At the hello, before any envelope that came with it: what was written while no connection was open.
    const { channel } = this.settings;
    client.once('connected', () =>
      intake?.catchUp((after) => messagesSince(this.api, channel, after, this.logger, signal)),
    );
    // A stop, or no hello in time (the client itself would wait for ever), closes the connection.
    const onStop = () => void client.disconnect();
    signal.addEventListener('abort', onStop, { once: true });
    void closed.then(() => signal.removeEventListener('abort', onStop));
    const helloMs = Math.min(HELLO_TIMEOUT_MS, this.settings.silentAfter);
    const noHello = setTimeout(() => {
      wsError = new Error(`no hello from Slack within ${formatDuration(helloMs)}`);
      void client.disconnect();
    }, helloMs);
    const starting = client.start();
    this.opening.add(starting);
    try {
      await starting;
    } catch (error) {
      signal.removeEventListener('abort', onStop);
      throw socketFailure(error ?? wsError, this.client);
    } finally {
      clearTimeout(noHello);
      this.opening.delete(starting);
    }
    if (signal.aborted) {
      await client.disconnect();
      return { closed };
    }
    this.connected = true;
    this.lastError = undefined;
    this.logger.debug('slack: Socket Mode connection open');
    return { closed };
  }

  private failed(error: unknown, failures: number): void {
    this.lastError = errorText(error);
    const permanent = error instanceof ProviderError && !error.transient;
    const level = permanent ? 'error' : 'warn';
    this.logger[level](
      { err: this.lastError, failures },
      'slack: cannot open the Socket Mode connection; will keep trying',
    );
  }
}
