// The per-test rig of the Slack provider's integration tests (providerRig.ts on the Slack fake):
// the channel and user ids, the provider's settings over the fake, and `provider(options)`, either
// polling (slack.test.ts) or over Socket Mode (slackSocketMode.test.ts).
import { createSlackProvider, type SlackSettings } from '../../src/adapters/messaging/slack.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { providerMaker, providerRig } from './providerRig.js';

export const CHANNEL = 'C0TESTCHAN';
export const OTHER = 'C0OTHERCHAN';
export const ANA = 'U024BE7LH';
export const BOB = 'U0BOB';

/**
 * Registers the hooks of the calling test file; neither of the fake's tokens may be logged.
 * `polling`: no app token (TEST_SLACK_APP empty keeps the provider polling), `token` is the bot
 * token. `socketMode`: `token` is the app token, the bot token is always the fake's.
 */
export function slackRig(mode: 'polling' | 'socketMode') {
  const rig = providerRig<FakeSlack>(
    () => startFakeSlack({ channels: [CHANNEL, OTHER] }),
    (fake) => [fake.botToken, fake.appToken],
  );
  const settings = (overrides: Partial<SlackSettings> = {}): SlackSettings => ({
    apiUrl: rig.fake.url,
    botTokenEnv: 'TEST_SLACK_BOT',
    appTokenEnv: 'TEST_SLACK_APP',
    channel: CHANNEL,
    pollInterval: 100,
    minInterval: 0,
    silentAfter: 60_000,
    ...overrides,
  });
  const provider = providerMaker(rig, createSlackProvider, settings, (token) =>
    mode === 'polling'
      ? { TEST_SLACK_BOT: token ?? rig.fake.botToken, TEST_SLACK_APP: '' }
      : { TEST_SLACK_BOT: rig.fake.botToken, TEST_SLACK_APP: token ?? rig.fake.appToken },
  );
  return { rig, settings, provider };
}
