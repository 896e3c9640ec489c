// The console provider: chat over NATS, the embedded default that needs no account anywhere.
//
//   in   <prefix>.bridge.in       { text, user?, chat?, id? }   e.g. nats pub roshi.bridge.in '{"text":"/status"}'
//   out  <prefix>.bridge.console  { chatId, text, format, at }  e.g. nats sub roshi.bridge.console
//
// An inbound message comes from user `user` (default "operator") in chat `chat` (default
// "console"); the allow-list sees it as "console:<user>". Every outbound message is also written
// to the bridge's log. A send counts as accepted once the NATS server has it (a round trip after
// the publish), so the outbox is acknowledged only for messages that really left.
import { subjectsFor } from '../../bus/subjects.js';
import { randomUUID } from 'node:crypto';
import type { Bus, Payload, Unsubscribe } from '../../bus/index.js';
import type { Logger } from '../../log.js';
import { ProviderError, type InboundMessage, type MessagingProvider, type OutboundMessage } from './types.js';

export const CONSOLE_PROVIDER = 'console';
export const CONSOLE_CHAT = 'console';
const CONFIRM_TIMEOUT_MS = 5_000;

/** The subject console output is published on. */
export function consoleSubject(prefix: string): string {
  return subjectsFor(prefix).bridgeConsole;
}

export interface ConsoleOutput {
  chatId: string;
  text: string;
  format: 'plain' | 'markdown';
  at: number;
}

/** `{ text, user?, chat?, id? }` → an inbound message, or why not. */
export function toConsoleInbound(payload: Payload, now: number): InboundMessage | { error: string } {
  const { text, user, chat, id } = payload;
  if (typeof text !== 'string' || text.trim() === '') return { error: 'field "text" must be a non-empty string' };
  if (user !== undefined && (typeof user !== 'string' || user === ''))
    return { error: 'field "user" must be a non-empty string' };
  if (chat !== undefined && (typeof chat !== 'string' || chat === ''))
    return { error: 'field "chat" must be a non-empty string' };
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number')
    return { error: 'field "id" must be a string or a number' };
  return {
    provider: CONSOLE_PROVIDER,
    chatId: chat ?? CONSOLE_CHAT,
    userId: user ?? 'operator',
    text,
    messageId: id !== undefined ? String(id) : randomUUID(),
    at: now,
  };
}

export interface ConsoleProviderOptions {
  bus: Bus;
  logger: Logger;
}

export function createConsoleProvider({
  bus,
  logger,
}: ConsoleProviderOptions): MessagingProvider & { readonly rejected: number } {
  const subject = consoleSubject(bus.prefix);
  let unsubscribe: Unsubscribe | undefined;
  let chain: Promise<void> = Promise.resolve();
  let rejected = 0;

  return {
    name: CONSOLE_PROVIDER,
    maxLength: 65_536,
    defaultChatId: CONSOLE_CHAT,
    get rejected() {
      return rejected;
    },
    start: async (onMessage) => {
      unsubscribe?.();
      unsubscribe = bus.subscribe(bus.subjects.bridgeIn, (payload) => {
        const message = toConsoleInbound(payload, Date.now());
        if ('error' in message) {
          rejected++;
          logger.warn({ subject: bus.subjects.bridgeIn, reason: message.error }, 'console message ignored');
          return;
        }
        // One at a time, in arrival order, as the provider contract promises.
        chain = chain
          .then(() => onMessage(message))
          .catch((error: unknown) => logger.error({ err: error }, 'console message handling failed'));
      });
    },
    stop: async () => {
      unsubscribe?.();
      unsubscribe = undefined;
      await chain;
    },
    send: async (message: OutboundMessage) => {
      if (bus.isClosed()) throw new ProviderError('the NATS connection is closed', CONSOLE_PROVIDER, true);
      const out: ConsoleOutput = {
        chatId: message.chatId ?? CONSOLE_CHAT,
        text: message.text,
        format: message.format ?? 'plain',
        at: Date.now(),
      };
      bus.publish(subject, out);
      logger.info({ chatId: out.chatId, text: out.text }, 'console message');
      // Accepted once the server has it: a round trip after the publish flushes it.
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          bus.rtt(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no round trip to NATS within ${CONFIRM_TIMEOUT_MS} ms`)),
              CONFIRM_TIMEOUT_MS,
            );
          }),
        ]);
      } catch (error) {
        throw new ProviderError(`console: ${(error as Error).message}`, CONSOLE_PROVIDER, true);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
