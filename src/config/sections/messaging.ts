// The schema of the chat side: `bridge` (the providers that carry messages, who may talk) and
// `chat` (the agent that answers). Keys: docs/configuration.md#bridge-chat-providers and #chat.
import {
  boolean,
  duration,
  envName,
  httpUrl,
  integer,
  isHttpUrl,
  oneOf,
  section,
  string,
  stringList,
} from '../specBuilders.js';

export const bridgeSection = section({
  providers: stringList(),
  allowedUsers: stringList(),
  admins: stringList(),
  maxPerMinute: integer(1, 10_000),
  level: oneOf('normal', 'debug'),
  maxMessageLength: integer(100, 100_000),
  telegram: section({
    apiUrl: httpUrl(),
    tokenEnv: envName(),
    chatId: string(),
    pollTimeout: duration(0),
    minInterval: duration(0),
    silentAfter: duration(1_000),
  }),
  slack: section({
    apiUrl: httpUrl(),
    botTokenEnv: envName(),
    appTokenEnv: envName(),
    channel: string(),
    pollInterval: duration(100),
    minInterval: duration(0),
    silentAfter: duration(1_000),
  }),
  matrix: section({
    homeserverUrl: string({ test: (v) => v === '' || isHttpUrl(v), expected: '"" or an http:// or https:// URL' }),
    tokenEnv: envName(),
    roomId: string(),
    userId: string(),
    minInterval: duration(0),
    silentAfter: duration(1_000),
  }),
  discord: section({
    apiUrl: httpUrl(),
    gatewayUrl: string({ test: (v) => v === '' || isWsUrl(v), expected: '"" or a ws:// or wss:// URL' }),
    tokenEnv: envName(),
    channelId: string(),
    minInterval: duration(0),
    silentAfter: duration(1_000),
  }),
});

/** The Discord Gateway override: a WebSocket URL. */
function isWsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export const chatSection = section({
  persona: string(),
  memory: string(),
  historyTurns: integer(0, 1000),
  timeout: duration(1),
  model: string(),
  allowedTools: stringList(),
  maxQueue: integer(1, 10_000),
});
