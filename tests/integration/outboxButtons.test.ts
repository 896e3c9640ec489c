// Replies and buttons through the real outbox (a nats-server): a reply reaches its provider
// threaded to the operator's message with its buttons, an approval ask gets Approve / Reject, a
// failed mission's notice gets none, and a message with malformed buttons is refused by the
// contract. docs/chat.md#replies-and-buttons
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessagingProvider, OutboundMessage } from '../../src/adapters/messaging/types.js';
import { Bus, ensureOutbox, JsonKv, publishDurable } from '../../src/bus/index.js';
import { ProviderChannel } from '../../src/bridge/channel.js';
import { Outbox } from '../../src/bridge/outbox.js';
import { silentLogger } from '../../src/log.js';
import { approvalNoticeId } from '../../src/missions/approval.js';
import { noticeId } from '../../src/missions/notice.js';
import { useNats } from '../harness/nats.js';
import { until } from '../harness/until.js';

const nats = useNats();
let publisher: Bus;
let prefixSeq = 0;

function recorder(): MessagingProvider & { sent: OutboundMessage[] } {
  const sent: OutboundMessage[] = [];
  return {
    name: 'telegram',
    maxLength: 1000,
    defaultChatId: '-100',
    sent,
    start: async () => {},
    stop: async () => {},
    send: async (message) => void sent.push(message),
  };
}

afterAll(async () => {
  await publisher?.drain();
});
beforeEach(async () => {
  await publisher?.drain();
  publisher = await Bus.connect({
    url: nats.url,
    name: 'publisher',
    prefix: `btn${++prefixSeq}`,
    logger: silentLogger(),
  });
  await ensureOutbox(publisher);
});

describe('outbox: replies and buttons', () => {
  it('threads a reply, carries its buttons, adds Approve/Reject to an approval ask, none to a failure', async () => {
    const provider = recorder();
    const bus = await Bus.connect({ url: nats.url, name: 'bridge', prefix: publisher.prefix, logger: silentLogger() });
    const channel = new ProviderChannel(provider, { minIntervalMs: 0, logger: silentLogger() });
    const outbox = new Outbox({
      bus,
      kv: await JsonKv.open(bus, bus.subjects.stateBucket),
      channels: [channel],
      level: 'normal',
      maxMessageLength: 4000,
      logger: silentLogger(),
    });
    await outbox.start();
    const publish = (payload: Record<string, unknown>) =>
      publishDurable(publisher, publisher.subjects.bridgeOut, { at: Date.now(), ...payload }, String(payload.id));
    const cancel = { label: '✖ Cancel', command: '/cancel mfx3k2a1q7z' };
    await publish({
      id: 'reply-1',
      kind: 'reply',
      provider: 'telegram',
      chatId: '-100',
      text: '⏳ queued mfx3k2a1q7z',
      replyTo: '-100:7',
      actions: [cancel],
    });
    await publish({ id: 'bad-buttons', kind: 'reply', provider: 'telegram', text: 'x', actions: [{ label: 'no' }] });
    await publish({ id: approvalNoticeId('mfx3k2a1q7z', 'push'), kind: 'notification', text: '✋ approval needed' });
    await publish({ id: noticeId('mfx3k2a1q7z'), kind: 'notification', text: '❌ mission mfx3k2a1q7z failed' });
    await until(() => provider.sent.length === 3, 'three messages delivered');
    expect(provider.sent[0]).toMatchObject({ text: '⏳ queued mfx3k2a1q7z', replyTo: '-100:7', actions: [cancel] });
    expect(provider.sent[1]).toMatchObject({
      text: '✋ approval needed',
      actions: [
        { label: '👍 Approve', command: '/approve mfx3k2a1q7z' },
        { label: '👎 Reject', command: '/reject mfx3k2a1q7z' },
      ],
    });
    expect(provider.sent[1]!.replyTo).toBeUndefined();
    expect(provider.sent[2]!.actions).toBeUndefined();
    expect(outbox.stats()).toMatchObject({ bad: 1 });
    await outbox.stop();
    await channel.stop(200);
    await bus.nc.close();
  });
});
