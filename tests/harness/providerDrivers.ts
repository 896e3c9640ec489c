// What an operator-side test needs of each chat service, one driver per provider over its fake:
// the bridge settings and environment that point a tree at it, writing as the allowed operator
// (or a stranger), what the bot sent as a person sees it, and making the service fall silent and
// come back (a TCP relay in front of the fake, networkCut.ts). The provider contract suite
// (tests/e2e/providerContract.test.ts, docs/providers.md#tests) runs the same cases over each.
import { startFakeDiscord } from '../fakes/discord.js';
import { startFakeMatrix } from '../fakes/matrix.js';
import { startFakeSlack } from '../fakes/slack.js';
import { startFakeTelegram } from '../fakes/telegram.js';
import { startNetworkCut, type NetworkCut } from './networkCut.js';
import { discordButtons, discordShown, matrixShown, slackButtons, slackShown } from './shownText.js';

export interface ProviderDriver {
  /** roshi's name for the provider (bridge.providers, the allow-list's prefix). */
  name: string;
  /** The characters the provider's markup gives a meaning to: an answer must show each as written. */
  specials: string;
  /** bridge.<name>.silentAfter for the suite: above the service's quiet long poll. */
  silentAfterMs: number;
  /** How a received message is named in the bridge's log (`messageId`). */
  messageId: RegExp;
  /** Whether the service shows buttons under a message. */
  buttons: boolean;
  start(): Promise<ProviderSession>;
}

export interface ProviderSession {
  /** Config under `bridge`: providers, allowedUsers and the provider's own section. */
  bridge: Record<string, unknown>;
  /** The tree's environment: the token the section names. */
  env: Record<string, string>;
  /** The allowed operator writes `text` where the bot listens; returns the service's id of it. */
  say(text: string): string;
  /** Someone not on the allow-list writes `text` there; returns its id. */
  strangerSays(text: string): string;
  /** Every message the bot sent, in order, as the service's app shows it. */
  sent(): string[];
  /** The same messages with the id of the message each answers (a reply) and its buttons' labels. */
  posts(): Post[];
  /** The service stops answering (held connections, dropped ones); `answer()` ends that. */
  silence(): void;
  answer(): void;
  /** Secrets of the fake that must never reach a log line. */
  secrets: string[];
  stop(): Promise<void>;
}

export interface Post {
  shown: string;
  replyTo?: string;
  buttons: string[];
}

/** Starts the relay and stops it after the fake. */
async function withCut<F extends { stop(): Promise<void> }>(fake: F, url: string) {
  const cut: NetworkCut = await startNetworkCut(url);
  const stop = async () => {
    await cut.close();
    await fake.stop();
  };
  return { cut, stop };
}

const TELEGRAM_CHAT = -1_001_400;
const TELEGRAM_OPERATOR = 1_400;

export const telegramDriver: ProviderDriver = {
  name: 'telegram',
  specials: '_ * [ ] ( ) ~ ` > # + - = | { } . ! \\',
  silentAfterMs: 3_000,
  messageId: new RegExp(`^${TELEGRAM_CHAT}:\\d+$`),
  buttons: true,
  async start() {
    const fake = await startFakeTelegram();
    const { cut, stop } = await withCut(fake, fake.url);
    const write = (userId: number, text: string) =>
      String(fake.pushMessage({ chatId: TELEGRAM_CHAT, userId, text, chatType: 'group' }).message!.message_id);
    // The fake parses MarkdownV2 as Telegram does: `shown` is the text with its entities applied.
    const posts = () =>
      fake.sent.map((m) => ({
        shown: m.shown,
        ...(m.reply_to !== undefined ? { replyTo: String(m.reply_to) } : {}),
        buttons: (m.inline_keyboard ?? []).flat().map((b) => b.text),
      }));
    return {
      bridge: {
        providers: ['telegram'],
        allowedUsers: [`telegram:${TELEGRAM_OPERATOR}`],
        telegram: {
          apiUrl: cut.url,
          tokenEnv: 'TELEGRAM_BOT_TOKEN',
          chatId: String(TELEGRAM_CHAT),
          pollTimeout: '1s',
          minInterval: '0ms',
          silentAfter: `${this.silentAfterMs}ms`,
        },
      },
      env: { TELEGRAM_BOT_TOKEN: fake.token },
      say: (text) => write(TELEGRAM_OPERATOR, text),
      strangerSays: (text) => write(4_242, text),
      sent: () => posts().map((p) => p.shown),
      posts,
      silence: () => cut.cut(),
      answer: () => cut.restore(),
      secrets: [fake.token],
      stop,
    };
  },
};

const SLACK_CHANNEL = 'C0TESTCHAN';
const SLACK_OPERATOR = 'U0OPERATOR';

/** Slack's own escaping of what a person types (its control characters). */
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const slackDriver: ProviderDriver = {
  name: 'slack',
  specials: '& < > * _ ~ `',
  silentAfterMs: 3_000,
  messageId: /^\d+\.\d{6}$/,
  buttons: true,
  async start() {
    const fake = await startFakeSlack({ channels: [SLACK_CHANNEL] });
    const { cut, stop } = await withCut(fake, fake.url);
    const posts = () =>
      fake.posted
        .filter((p) => p.channel === SLACK_CHANNEL)
        .map((p) => ({
          shown: slackShown(p.text),
          ...(p.thread_ts !== undefined ? { replyTo: String(p.thread_ts) } : {}),
          buttons: slackButtons(p.blocks),
        }));
    return {
      bridge: {
        providers: ['slack'],
        allowedUsers: [`slack:${SLACK_OPERATOR}`],
        slack: {
          apiUrl: cut.url,
          botTokenEnv: 'SLACK_BOT_TOKEN',
          // The polling form: an app token variable that is never set keeps Socket Mode off.
          appTokenEnv: 'ROSHI_CONTRACT_NO_SLACK_APP_TOKEN',
          channel: SLACK_CHANNEL,
          pollInterval: '100ms',
          minInterval: '0ms',
          silentAfter: `${this.silentAfterMs}ms`,
        },
      },
      env: { SLACK_BOT_TOKEN: fake.botToken },
      say: (text) => fake.postUserMessage(SLACK_CHANNEL, SLACK_OPERATOR, slackEscape(text)).ts,
      strangerSays: (text) => fake.postUserMessage(SLACK_CHANNEL, 'U0STRANGER', slackEscape(text)).ts,
      sent: () => posts().map((p) => p.shown),
      posts,
      silence: () => cut.cut(),
      answer: () => cut.restore(),
      secrets: [fake.botToken],
      stop,
    };
  },
};

const MATRIX_OPERATOR = '@ana:fake.test';

export const matrixDriver: ProviderDriver = {
  name: 'matrix',
  specials: '& < > " \'',
  // A quiet /sync answers only after its 30 s (not configurable): silence is what lasts longer.
  silentAfterMs: 34_000,
  messageId: /^\$ev\d+_[a-z0-9]+$/,
  buttons: false,
  async start() {
    const fake = await startFakeMatrix();
    const { cut, stop } = await withCut(fake, fake.url);
    const posts = () =>
      fake.sent
        .filter((s) => s.roomId === fake.roomId)
        .map((s) => {
          const replyTo = (s.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.[
            'm.in_reply_to'
          ]?.event_id;
          return { shown: matrixShown(s.content), ...(replyTo ? { replyTo } : {}), buttons: [] };
        });
    return {
      bridge: {
        providers: ['matrix'],
        allowedUsers: [`matrix:${MATRIX_OPERATOR}`],
        matrix: {
          homeserverUrl: cut.url.replace(/\/$/, ''),
          tokenEnv: 'MATRIX_ACCESS_TOKEN',
          roomId: fake.roomId,
          userId: fake.userId,
          minInterval: '0ms',
          silentAfter: `${this.silentAfterMs}ms`,
        },
      },
      env: { MATRIX_ACCESS_TOKEN: fake.token },
      say: (text) => fake.postText(MATRIX_OPERATOR, text).event_id,
      strangerSays: (text) => fake.postText('@mallory:fake.test', text).event_id,
      sent: () => posts().map((p) => p.shown),
      posts,
      silence: () => cut.cut(),
      answer: () => cut.restore(),
      secrets: [fake.token],
      stop,
    };
  },
};

const DISCORD_CHANNEL = '1100000000000000001';
const DISCORD_OPERATOR = '1200000000000000001';

export const discordDriver: ProviderDriver = {
  name: 'discord',
  specials: '\\ * _ ~ ` | > # - [ ] ( ) <',
  silentAfterMs: 3_000,
  messageId: /^\d{17,20}$/,
  buttons: true,
  async start() {
    const fake = await startFakeDiscord({ channels: [DISCORD_CHANNEL] });
    // REST goes through the relay; the Gateway is silenced by the fake itself, since a resume
    // goes to the fake's own resume_gateway_url.
    const { cut, stop } = await withCut(fake, fake.apiUrl);
    const posts = () =>
      fake.posted
        .filter((m) => m.channel_id === DISCORD_CHANNEL)
        .map((m) => {
          const replyTo = (m.message_reference as { message_id?: string } | undefined)?.message_id;
          return {
            shown: discordShown(m.content),
            ...(replyTo ? { replyTo } : {}),
            buttons: discordButtons(m.components),
          };
        });
    return {
      bridge: {
        providers: ['discord'],
        allowedUsers: [`discord:${DISCORD_OPERATOR}`],
        discord: {
          apiUrl: cut.url,
          gatewayUrl: fake.gatewayUrl,
          tokenEnv: 'DISCORD_BOT_TOKEN',
          channelId: DISCORD_CHANNEL,
          minInterval: '0ms',
          silentAfter: `${this.silentAfterMs}ms`,
        },
      },
      env: { DISCORD_BOT_TOKEN: fake.token },
      say: (text) => fake.postUserMessage(DISCORD_CHANNEL, DISCORD_OPERATOR, text).id,
      strangerSays: (text) => fake.postUserMessage(DISCORD_CHANNEL, '1200000000000000666', text).id,
      sent: () => posts().map((p) => p.shown),
      posts,
      silence: () => {
        cut.cut();
        // Heartbeats unanswered (a zombie connection) and every reconnection refused.
        fake.gateway.ackHeartbeats = false;
        fake.gateway.refuseConnections = true;
      },
      answer: () => {
        fake.gateway.ackHeartbeats = true;
        fake.gateway.refuseConnections = false;
        cut.restore();
      },
      secrets: [fake.token],
      stop,
    };
  },
};

/** Every provider the suite runs against. */
export const providerDrivers: ProviderDriver[] = [telegramDriver, slackDriver, matrixDriver, discordDriver];
