// Chat turns left asking, against a real nats-server (src/bridge/chatTurns.ts): with host.id set
// a bridge takes over one provider at a time (docs/scale-out.md#singleton-leases), so it settles
// only the turns of the provider whose lease it just won; the turns of a provider another host's
// bridge serves are live, and are neither told nor marked abandoned.
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/adapters/messaging/types.js';
import { JsonKv } from '../../src/bus/index.js';
import { ChatTurns, tellAbandonedTurns, turnKey, type TurnRecord } from '../../src/bridge/chatTurns.js';
import { messageIdentity } from '../../src/bridge/messageIdentity.js';
import { silentLogger } from '../../src/log.js';
import { useNats } from '../harness/nats.js';

const nats = useNats();

const message = (provider: string, messageId: string): InboundMessage => ({
  provider,
  chatId: '1',
  userId: 'operator',
  text: `a question on ${provider}`,
  messageId,
  at: 0,
});

describe('chat turns left asking', () => {
  it('are settled for the providers named only; the others stay asking', async () => {
    const bus = await nats.connect('turns', 'by-provider');
    const kv = await JsonKv.open(bus, bus.subjects.stateBucket);
    const turns = new ChatTurns(kv, silentLogger());
    const onConsole = message('console', 'c1');
    const onTelegram = message('telegram', 't1');
    expect(await turns.begin(onConsole)).toBe(true);
    expect(await turns.begin(onTelegram)).toBe(true);
    const told: Array<{ provider: string; text: string }> = [];
    await tellAbandonedTurns(turns, async (m) => void told.push(m), silentLogger(), ['telegram']);
    expect(told.map((m) => m.provider)).toEqual(['telegram']);
    const state = async (m: InboundMessage) => (await kv.get<TurnRecord>(turnKey(messageIdentity(m))))?.value.state;
    expect(await state(onTelegram)).toBe('abandoned');
    expect(await state(onConsole)).toBe('asking');
    // On a single host (no provider named), every turn left asking is settled.
    await tellAbandonedTurns(turns, async (m) => void told.push(m), silentLogger());
    expect(told.map((m) => m.provider)).toEqual(['telegram', 'console']);
    expect(await state(onConsole)).toBe('abandoned');
  });
});
