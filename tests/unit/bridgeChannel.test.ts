// One provider's send queue: order, pacing, rate limits, transient and permanent failures.
import { describe, expect, it } from 'vitest';
import { ProviderError, type MessagingProvider, type OutboundMessage } from '../../src/adapters/messaging/types.js';
import { ChannelStoppedError, ProviderChannel, type HealthReport } from '../../src/bridge/channel.js';
import { silentLogger } from '../../src/log.js';

function fakeProvider(behaviour: (message: OutboundMessage, call: number) => void | Promise<void> = () => {}) {
  const sent: Array<OutboundMessage & { at: number }> = [];
  let calls = 0;
  const provider: MessagingProvider = {
    name: 'fake',
    maxLength: 100,
    defaultChatId: 'c',
    start: async () => {},
    stop: async () => {},
    send: async (message) => {
      await behaviour(message, ++calls);
      sent.push({ ...message, at: Date.now() });
    },
  };
  return { provider, sent, calls: () => calls };
}

const fast = { initialMs: 5, maxMs: 20 };

describe('ProviderChannel', () => {
  it('sends pieces in order and reports each one', async () => {
    const { provider, sent } = fakeProvider();
    const channel = new ProviderChannel(provider, { minIntervalMs: 0, logger: silentLogger() });
    const marks: number[] = [];
    const a = channel.enqueue({ pieces: ['a1', 'a2'], chatId: 'x', onPieceSent: async (n) => void marks.push(n) });
    const b = channel.enqueue({ pieces: ['b1'] });
    expect(await a).toBe('sent');
    expect(await b).toBe('sent');
    expect(sent.map((s) => s.text)).toEqual(['a1', 'a2', 'b1']);
    expect(sent[0]).toMatchObject({ chatId: 'x' });
    expect(sent[2]!.chatId).toBeUndefined();
    expect(marks).toEqual([1, 2]);
    expect(channel.stats).toMatchObject({ sent: 2, pieces: 3, queued: 0 });
  });

  it('resumes a message at the piece a crash cut it off', async () => {
    const { provider, sent } = fakeProvider();
    const channel = new ProviderChannel(provider, { minIntervalMs: 0, logger: silentLogger() });
    await channel.enqueue({ pieces: ['p1', 'p2', 'p3'], startPiece: 2 });
    expect(sent.map((s) => s.text)).toEqual(['p3']);
  });

  it('keeps minInterval between two sends', async () => {
    const { provider, sent } = fakeProvider();
    const channel = new ProviderChannel(provider, { minIntervalMs: 60, logger: silentLogger() });
    await Promise.all([channel.enqueue({ pieces: ['1', '2'] }), channel.enqueue({ pieces: ['3'] })]);
    const gaps = sent.slice(1).map((s, i) => s.at - sent[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(55);
  });

  it('waits as long as a rate limit asks, then sends the same piece, without calling the provider failing', async () => {
    const { provider, sent, calls } = fakeProvider((_, call) => {
      if (call === 1) throw new ProviderError('429 too many requests', 'fake', true, 150);
    });
    const health: HealthReport[] = [];
    const channel = new ProviderChannel(provider, {
      minIntervalMs: 0,
      logger: silentLogger(),
      onHealth: (h) => health.push(h),
    });
    const started = Date.now();
    expect(await channel.enqueue({ pieces: ['once'] })).toBe('sent');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(calls()).toBe(2);
    expect(sent.map((s) => s.text)).toEqual(['once']);
    expect(channel.stats.rateLimited).toBe(1);
    expect(health).toEqual([]);
  });

  it('retries transient failures with backoff and reports failing, then up again', async () => {
    const { provider, sent } = fakeProvider((_, call) => {
      if (call <= 3) throw new ProviderError('ECONNRESET', 'fake', true);
    });
    const health: HealthReport[] = [];
    const channel = new ProviderChannel(provider, {
      minIntervalMs: 0,
      logger: silentLogger(),
      backoff: fast,
      onHealth: (h) => health.push(h),
    });
    expect(await channel.enqueue({ pieces: ['m'] })).toBe('sent');
    expect(sent).toHaveLength(1);
    expect(health).toEqual([{ up: false, error: 'ECONNRESET' }, { up: true }]);
    expect(channel.stats).toMatchObject({ failures: 3, failing: false, lastError: 'ECONNRESET' });
  });

  it('falls back from markdown to plain text when the provider refuses the markup', async () => {
    const { provider, sent } = fakeProvider((message) => {
      if (message.format === 'markdown') throw new ProviderError("can't parse entities", 'fake', false);
    });
    const channel = new ProviderChannel(provider, { minIntervalMs: 0, logger: silentLogger(), backoff: fast });
    expect(await channel.enqueue({ pieces: ['*bold'], format: 'markdown' })).toBe('sent');
    expect(sent).toEqual([expect.objectContaining({ text: '*bold', format: 'plain' })]);
  });

  it('drops a message the provider refuses for good after a few attempts, and goes on with the next', async () => {
    const { provider, sent } = fakeProvider((message) => {
      if (message.text === 'poison') throw new ProviderError('400 bad request', 'fake', false);
    });
    const channel = new ProviderChannel(provider, {
      minIntervalMs: 0,
      logger: silentLogger(),
      backoff: fast,
      maxPermanentAttempts: 3,
    });
    const poison = channel.enqueue({ pieces: ['poison'] });
    const next = channel.enqueue({ pieces: ['fine'] });
    expect(await poison).toBe('dropped');
    expect(await next).toBe('sent');
    expect(sent.map((s) => s.text)).toEqual(['fine']);
    expect(channel.stats.dropped).toBe(1);
  });

  it('gives up queued messages when stopped, without sending them', async () => {
    const { provider, sent } = fakeProvider((_, call) => {
      if (call === 1) throw new ProviderError('rate limited', 'fake', true, 10_000);
    });
    const channel = new ProviderChannel(provider, { minIntervalMs: 0, logger: silentLogger() });
    const first = channel.enqueue({ pieces: ['a'] });
    const second = channel.enqueue({ pieces: ['b'] });
    await new Promise((r) => setTimeout(r, 20));
    await channel.stop(100);
    await expect(first).rejects.toBeInstanceOf(ChannelStoppedError);
    await expect(second).rejects.toBeInstanceOf(ChannelStoppedError);
    await expect(channel.enqueue({ pieces: ['c'] })).rejects.toBeInstanceOf(ChannelStoppedError);
    expect(sent).toEqual([]);
  });
});
