// The Slack provider against the fake Web API, without an app token (Socket Mode:
// slackSocketMode.test.ts): channel history polling (first start skips history; people's
// messages only, in order), replies with mrkdwn escaping, in threads, with buttons, limits,
// errors, the `oldest` cursor across restarts, and the token kept out of every error and log line.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { SLACK_MAX_LENGTH, createSlackProvider } from '../../src/adapters/messaging/slack.js';
import { compareTs, escapeSlack, markdownToMrkdwn, slackToPlain } from '../../src/adapters/messaging/slackText.js';
import { ProviderError } from '../../src/adapters/messaging/types.js';
import { until } from '../harness/until.js';
import { collector } from '../harness/providerRig.js';
import { ANA, CHANNEL, OTHER, slackRig } from '../harness/slackRig.js';
import { expectWrongTokenRefused, restartOnSavedCursor } from '../harness/providerScenarios.js';
import { MemoryCursor } from '../harness/memoryCursor.js';

// No app token: TEST_SLACK_APP unset (or empty) keeps the provider polling.
const { rig, settings, provider } = slackRig('polling');

describe('slack: commands in', () => {
  it('first start skips history; then people’s messages arrive in order, bots and subtypes ignored', async () => {
    rig.fake.postUserMessage(CHANNEL, ANA, '/abort (old, must not run again)');
    const cursor = new MemoryCursor();
    const { received, onMessage } = collector();
    const p = provider({ cursor });
    await p.start(onMessage);
    expect(cursor.value).toBe(rig.fake.history(CHANNEL).at(-1)!.ts);

    const first = rig.fake.postUserMessage(CHANNEL, ANA, ' /status', {
      user_profile: { display_name: 'ana', real_name: 'Ana' },
    });
    rig.fake.addMessage(CHANNEL, { user: ANA, subtype: 'channel_join', text: '<@U024BE7LH> has joined the channel' });
    rig.fake.addMessage(CHANNEL, { subtype: 'bot_message', bot_id: 'B0OTHER', text: 'deploy finished' });
    rig.fake.addMessage(CHANNEL, { user: 'U0APPUSER', bot_id: 'B0OTHER', text: 'an app posting as a user' });
    await p.send({ text: 'our own reply' });
    rig.fake.postUserMessage(OTHER, ANA, 'another channel');
    rig.fake.postUserMessage(
      CHANNEL,
      'U0BOB',
      '/mission fix &lt;Foo&gt; &amp; see <https://example.com/x?a=1&amp;b=2|example.com/x> cc <@U024BE7LH|ana>',
    );
    rig.fake.postUserMessage(CHANNEL, ANA, 'also to the channel', { subtype: 'thread_broadcast', thread_ts: first.ts });
    await until(() => received.length >= 3, 'three messages');
    await new Promise((r) => setTimeout(r, 300));

    expect(received.map((m) => m.text)).toEqual([
      '/status',
      '/mission fix <Foo> & see https://example.com/x?a=1&b=2 cc @ana',
      'also to the channel',
    ]);
    expect(received[0]).toEqual({
      provider: 'slack',
      chatId: CHANNEL,
      userId: ANA,
      userName: 'ana',
      text: '/status',
      messageId: first.ts,
      at: Math.round(Number(first.ts) * 1000),
    });
    expect(received[1]).toMatchObject({ userId: 'U0BOB', chatId: CHANNEL });
    expect(cursor.value).toBe(rig.fake.history(CHANNEL).at(-1)!.ts);

    const polls = rig.fake.requests.filter((r) => r.method === 'conversations.history');
    expect(polls.every((r) => r.authorized && r.params.channel === CHANNEL)).toBe(true);
    expect(polls.at(-1)!.params).toMatchObject({ oldest: cursor.value, inclusive: 'false' });
  });

  it('reads every page of a large backlog, oldest first', async () => {
    const cursor = new MemoryCursor();
    const p = provider({ cursor });
    const { received, onMessage } = collector();
    await p.start(onMessage);
    await p.stop();
    for (let i = 1; i <= 450; i++) rig.fake.postUserMessage(CHANNEL, ANA, `m${i}`);
    await provider({ cursor }).start(onMessage);
    await until(() => received.length === 450, '450 messages');
    expect(received.map((m) => m.text)).toEqual(Array.from({ length: 450 }, (_, i) => `m${i + 1}`));
  });
});

describe('slack: replies out', () => {
  it('posts plain text escaped, with mrkdwn off, to the channel or a named one', async () => {
    const p = provider();
    expect(p.name).toBe('slack');
    expect(p.defaultChatId).toBe(CHANNEL);
    await p.send({ text: 'a < b && c > d *not bold*' });
    await p.send({ chatId: OTHER, text: 'elsewhere', format: 'plain' });
    expect(rig.fake.posted.map(({ channel, text, mrkdwn }) => ({ channel, text, mrkdwn }))).toEqual([
      { channel: CHANNEL, text: 'a &lt; b &amp;&amp; c &gt; d *not bold*', mrkdwn: false },
      { channel: OTHER, text: 'elsewhere', mrkdwn: false },
    ]);
    const post = rig.fake.requests.find((r) => r.method === 'chat.postMessage')!;
    expect(post.httpMethod).toBe('POST');
    expect(post.authorized).toBe(true);
  });

  it('converts markdown to mrkdwn and leaves code alone', async () => {
    expect(
      markdownToMrkdwn('**done** in *2 min*, see [PR #1](https://x.y/p?a=1&b=2) `a **b** <c>`\n# Title\n~~old~~'),
    ).toBe('*done* in _2 min_, see <https://x.y/p?a=1&amp;b=2|PR #1> `a **b** &lt;c&gt;`\n*Title*\n~old~');
    expect(markdownToMrkdwn('```ts\nconst x = a && b;\n```')).toBe('```\nconst x = a &amp;&amp; b;\n```');
    await provider().send({ text: '**ok** <b>', format: 'markdown' });
    expect(rig.fake.posted[0]).toMatchObject({ text: '*ok* &lt;b&gt;', mrkdwn: true });
  });

  it('a reply threads under the operator’s message (a thread broadcast: under its thread’s root)', async () => {
    const { received, onMessage } = collector();
    const p = provider();
    await p.start(onMessage);
    const root = rig.fake.postUserMessage(CHANNEL, ANA, '/status');
    const broadcast = rig.fake.postUserMessage(CHANNEL, ANA, '/list', {
      subtype: 'thread_broadcast',
      thread_ts: '1.000001',
    });
    await until(() => received.length === 2, 'two messages');
    await p.send({ text: 'all up', replyTo: received[0]!.messageId });
    await p.send({ text: 'nothing queued', replyTo: broadcast.ts });
    await p.send({ text: 'after a restart', replyTo: '1700000000.000100' });
    await p.send({ text: 'a notification' });
    expect(rig.fake.posted.map((m) => m.thread_ts)).toEqual([root.ts, '1.000001', '1700000000.000100', undefined]);
  });

  it('buttons: an actions block under the text, cut into sections of at most 3,000 characters, entities whole', async () => {
    const p = provider();
    const text = `${'a&b <c> '.repeat(500)}\n**done**`;
    await p.send({ text, format: 'markdown', actions: [{ label: 'Retry mx7g', command: '/retry mx7g' }] });
    const post = rig.fake.posted[0]!;
    expect(post.text).toBe(markdownToMrkdwn(text));
    const blocks = post.blocks as Array<{ type: string; text?: { text: string; verbatim: boolean } }>;
    const sections = blocks.filter((b) => b.type === 'section').map((b) => b.text!);
    expect(sections.length).toBeGreaterThan(1);
    expect(sections.every((s) => s.text.length <= 3_000 && !s.verbatim)).toBe(true);
    expect(sections.map((s) => s.text).join('')).toBe(post.text.replace('\n', ''));
    for (const s of sections) expect(s.text).not.toMatch(/&(a|am|l|g)?$|^(mp|amp|t|lt|gt|p);/);
    expect(blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ value: '/retry mx7g' }] });
  });

  it('accepts a message of maxLength characters even when every one needs escaping', async () => {
    const p = provider();
    expect(p.maxLength).toBe(SLACK_MAX_LENGTH);
    await p.send({ text: '&'.repeat(p.maxLength) });
    expect(rig.fake.posted[0]!.text).toHaveLength(5 * SLACK_MAX_LENGTH);
  });

  it('429 is transient with retryAfterMs from Retry-After; ok:false is permanent with Slack’s code', async () => {
    const p = provider();
    rig.fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 });
    const limited = (await p.send({ text: 'hi' }).catch((e: unknown) => e)) as ProviderError;
    expect(limited).toBeInstanceOf(ProviderError);
    expect(limited).toMatchObject({ provider: 'slack', transient: true, retryAfterMs: 30_000 });

    rig.fake.failNext('chat.postMessage', { status: 200, error: 'ratelimited' });
    expect(await p.send({ text: 'hi' }).catch((e: unknown) => e)).toMatchObject({ transient: true });

    rig.fake.failNext('chat.postMessage', { status: 500 });
    expect(await p.send({ text: 'hi' }).catch((e: unknown) => e)).toMatchObject({ transient: true });

    const notFound = (await p.send({ chatId: 'C0NOPE', text: 'hi' }).catch((e: unknown) => e)) as ProviderError;
    expect(notFound.transient).toBe(false);
    expect(notFound.retryAfterMs).toBeUndefined();
    expect(notFound.message).toBe('slack: chat.postMessage refused: channel_not_found');

    rig.fake.failNext('chat.postMessage', {
      status: 200,
      error: 'missing_scope',
      extra: { needed: 'chat:write', provided: 'channels:history' },
    });
    const scope = (await p.send({ text: 'hi' }).catch((e: unknown) => e)) as ProviderError;
    expect(scope.transient).toBe(false);
    expect(scope.message).toContain('missing_scope (the app needs the chat:write scope');
    expect(rig.fake.posted).toHaveLength(0);
  });
});

describe('slack: oldest cursor across restarts', () => {
  it('a restart neither loses nor repeats a message', async () => {
    const post = (text: string) => rig.fake.postUserMessage(CHANNEL, ANA, text);
    const { m2, cursorAtStop, first } = await restartOnSavedCursor(provider, post, 300);
    expect(cursorAtStop).toBe(m2.ts);
    expect(first.received.map((m) => m.text)).toEqual(['m1', 'm2']);
  });

  it('orders timestamps without floating-point loss', () => {
    expect(compareTs('1512085950.000216', '1512085950.000215')).toBe(1);
    expect(compareTs('1512085950.000216', '1512085951.000001')).toBe(-1);
    expect(compareTs('99.5', '100.000001')).toBe(-1);
    expect(compareTs('0', '0.000000')).toBe(0);
    expect(escapeSlack('<&>')).toBe('&lt;&amp;&gt;');
    expect(slackToPlain('<!here> <#C123|ops> <mailto:a@b.c|a@b.c>')).toBe('@here #ops a@b.c');
  });
});

describe('slack: tokens stay secret', () => {
  it('missing bot token variable or a bad channel: ConfigError naming the key', () => {
    const base = { logger: rig.logger, cursor: new MemoryCursor() };
    expect(() => createSlackProvider(settings(), { ...base, env: {} })).toThrow(/TEST_SLACK_BOT/);
    expect(() => createSlackProvider(settings(), { ...base, env: {} })).toThrow(ConfigError);
    expect(() =>
      createSlackProvider(settings({ channel: '' }), { ...base, env: { TEST_SLACK_BOT: 'xoxb-1' } }),
    ).toThrow(/bridge\.slack\.channel/);
    // The app token is not needed: polling works with the bot token alone.
    expect(() => createSlackProvider(settings(), { ...base, env: { TEST_SLACK_BOT: 'xoxb-1' } })).not.toThrow();
    // A bot token pasted as the app token is refused, naming the variable, never showing the value.
    const pasted = 'xoxb-5555555555-PastedBotTokenPastedBot';
    const env = { TEST_SLACK_BOT: 'xoxb-1', TEST_SLACK_APP: pasted };
    const error = (() => {
      try {
        createSlackProvider(settings(), { ...base, env });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toBe(
      'config: environment variable TEST_SLACK_APP is "a bot or user token (xox…)"; expected an app-level token xapp-… with connections:write (Basic Information → App-Level Tokens; bridge.slack.appTokenEnv names this variable), or nothing to poll instead of Socket Mode',
    );
    expect(error!.message).not.toContain(pasted);
  });

  it('a wrong token fails start() with invalid_auth, never showing the token', async () => {
    const wrong = 'xoxb-9999999999-8888888888-WrongWrongWrongWrong00';
    const message = 'slack: auth.test refused: invalid_auth (check the bot token in TEST_SLACK_BOT)';
    await expectWrongTokenRefused(provider({ token: wrong }), wrong, message, rig.logLines);
  });

  it('a channel the app cannot read fails start() with the reason', async () => {
    rig.fake.failNext('conversations.history', { status: 200, error: 'not_in_channel' });
    const error = (await provider()
      .start(async () => {})
      .catch((e: unknown) => e)) as ProviderError;
    expect(error.message).toBe(
      `slack: conversations.history refused: not_in_channel (invite the app to ${CHANNEL}: /invite @<app name>)`,
    );
  });
});
