// Slack provider (Web API, https://api.slack.com/methods). With an app-level token
// (bridge.slack.appTokenEnv names a set variable) it receives over Socket Mode (slackSocket.ts);
// without one it polls conversations.history on the one configured channel, as here. The cursor
// is the `ts` of the last message seen; a first start without one begins at the channel's latest
// message (old history never replays as commands). Messages are read by slackInbound.ts, replies
// sent by slackReplies.ts (threads, mrkdwn, buttons). See docs/providers.md#slack.
import type { RoshiConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { START_CALL_TIMEOUT_MS, field, saveCursor, str, type ProviderDeps } from './http.js';
import { readToken, requireSetting } from './providerSettings.js';
import { ItemPollingProvider } from './pollingProvider.js';
import { SLACK_TIMEOUT_MS, SlackApi } from './slackApi.js';
import { latestTs, messagesSince } from './slackHistory.js';
import { SLACK as NAME, slackMessageToInbound, threadRootOf } from './slackInbound.js';
import { SLACK_MAX_LENGTH, SlackReplies } from './slackReplies.js';
import { SlackSocketProvider } from './slackSocket.js';
import type { InboundMessage, MessagingProvider, OutboundMessage } from './types.js';

export { SLACK_MAX_LENGTH } from './slackReplies.js';
export type SlackSettings = RoshiConfig['bridge']['slack'];

const APP_TOKEN_EXPECTED =
  'an app-level token xapp-… with connections:write (Basic Information → App-Level Tokens; bridge.slack.appTokenEnv names this variable), or nothing to poll instead of Socket Mode';
const CHANNEL_EXPECTED =
  "a channel id such as C0123456789 (the channel's details in Slack show it), the one channel roshi listens and posts in";

export function createSlackProvider(settings: SlackSettings, deps: ProviderDeps): MessagingProvider {
  const what = 'the Slack bot token (xoxb-…)';
  const botToken = readToken(deps.env, settings.botTokenEnv, 'bridge.slack.botTokenEnv', what);
  const channelOk = /^[CGD][A-Z0-9]{2,}$/.test(settings.channel);
  requireSetting('bridge.slack.channel', settings.channel, channelOk, CHANNEL_EXPECTED);
  const appToken = deps.env[settings.appTokenEnv]?.trim();
  if (appToken && !appToken.startsWith('xapp-')) {
    // A bot token pasted there is the usual mistake; the value itself is never shown.
    const seen = appToken.startsWith('xox') ? 'a bot or user token (xox…)' : 'a value not starting with xapp-';
    throw new ConfigError(`environment variable ${settings.appTokenEnv}`, seen, APP_TOKEN_EXPECTED);
  }
  if (appToken) return new SlackSocketProvider(settings, deps, botToken, appToken);
  return new SlackProvider(settings, deps, botToken);
}

class SlackProvider extends ItemPollingProvider<unknown> {
  readonly repliesInThread = true;
  readonly defaultChatId: string;
  private readonly api: SlackApi;
  private readonly replies: SlackReplies;
  private oldest: string | undefined;
  private botUserId: string | undefined;

  constructor(
    private readonly settings: SlackSettings,
    deps: ProviderDeps,
    token: string,
  ) {
    super(NAME, SLACK_MAX_LENGTH, deps, 'slack: cannot reach the Web API yet; will keep trying');
    this.defaultChatId = settings.channel;
    this.api = new SlackApi(settings, token, [token]);
    this.replies = new SlackReplies(this.api, settings.channel);
  }

  send(message: OutboundMessage): Promise<void> {
    return this.replies.send(message);
  }

  protected async connect(signal: AbortSignal): Promise<void> {
    const auth = await this.api.call('auth.test', 'POST', {}, signal, START_CALL_TIMEOUT_MS);
    this.botUserId = str(field(auth, 'user_id'));
    const details = { team: str(field(auth, 'team')), botUser: this.botUserId, channel: this.settings.channel };
    this.logger.info(details, 'slack: connected (polling conversations.history)');
  }

  protected async resume(signal: AbortSignal): Promise<void> {
    const saved = await this.deps.cursor.load();
    this.oldest = saved === '' ? undefined : saved;
    if (this.oldest !== undefined) return;
    const unreachable = 'slack: cannot read the channel yet; will keep trying';
    await this.startupStep(async () => {
      this.oldest = await this.latestTs(signal, START_CALL_TIMEOUT_MS);
    }, unreachable);
  }

  protected loopShape() {
    const interval = this.settings.pollInterval;
    return { what: 'conversations.history', minFailureWaitMs: interval, pauseAfter: () => interval };
  }

  protected async poll(signal: AbortSignal): Promise<unknown[]> {
    if (this.oldest === undefined) this.oldest = await this.latestTs(signal);
    return this.newMessages(this.oldest, signal);
  }

  protected position(raw: unknown): string | undefined {
    return str(field(raw, 'ts'));
  }

  protected moved(ts: string): void {
    this.oldest = ts;
  }

  /** The ts to start from on a first start: the channel's latest message ("0" when empty). */
  private async latestTs(signal: AbortSignal, timeoutMs = SLACK_TIMEOUT_MS): Promise<string> {
    const ts = await latestTs(this.api, this.settings.channel, signal, timeoutMs);
    await saveCursor(this.deps.cursor, ts, this.logger);
    this.logger.info({ oldest: ts }, 'slack: first start: channel history skipped');
    return ts;
  }

  private newMessages(oldest: string, signal: AbortSignal): Promise<unknown[]> {
    return messagesSince(this.api, this.settings.channel, oldest, this.logger, signal);
  }

  protected toInbound(raw: unknown): InboundMessage | undefined {
    const message = slackMessageToInbound(raw, this.settings.channel, this.botUserId);
    if (message) this.replies.remember(message.messageId, threadRootOf(raw));
    return message;
  }
}
