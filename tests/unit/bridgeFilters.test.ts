// Who is obeyed (the allow-list) and what reaches chat (the messaging level).
import { describe, expect, it } from 'vitest';
import { AllowList } from '../../src/bridge/allowList.js';
import { passesLevel } from '../../src/bridge/level.js';
import { parseOutboxMessage } from '../../src/contracts/index.js';

describe('AllowList', () => {
  it('admits exact "<provider>:<user>" entries only', () => {
    const list = new AllowList(['telegram:123', 'matrix:@ana:example.org', 'slack:U024BE7LH']);
    expect(list.allows('telegram', '123')).toBe(true);
    expect(list.allows('telegram', '1234')).toBe(false);
    expect(list.allows('slack', '123')).toBe(false);
    expect(list.allows('matrix', '@ana:example.org')).toBe(true);
    expect(list.allows('matrix', '@bob:example.org')).toBe(false);
    expect(list.allows('slack', 'U024BE7LH')).toBe(true);
    expect(list.allows('slack', 'u024be7lh')).toBe(false); // user ids are exact
    expect(list.allows('SLACK', 'U024BE7LH')).toBe(true); // provider names are roshi's own
  });
  it('admits everyone on a provider with "<provider>:*", nobody elsewhere', () => {
    const list = new AllowList(['console:*']);
    expect(list.allows('console', 'operator')).toBe(true);
    expect(list.allows('console', 'anyone')).toBe(true);
    expect(list.allows('telegram', 'operator')).toBe(false);
  });
  it('ignores malformed entries and names them', () => {
    const entries = ['*', 'telegram', ':123', 'telegram:', 'telegram:1'];
    const list = new AllowList(entries);
    expect(list.allows('telegram', '1')).toBe(true);
    expect(list.allows('telegram', '')).toBe(false);
    expect(list.allows('telegram', '123')).toBe(false);
    expect(AllowList.invalidEntries(entries)).toEqual(['*', 'telegram', ':123', 'telegram:']);
  });
  it('admits nobody with an empty list', () => {
    expect(new AllowList([]).allows('console', 'operator')).toBe(false);
  });
});

describe('passesLevel', () => {
  it('sends everything at debug', () => {
    expect(passesLevel({ kind: 'notification', level: 'debug' }, 'debug')).toBe(true);
    expect(passesLevel({ kind: 'alert', event: 'exited' }, 'debug')).toBe(true);
  });
  it('drops debug notifications at normal, keeps the rest', () => {
    expect(passesLevel({ kind: 'notification', level: 'debug' }, 'normal')).toBe(false);
    expect(passesLevel({ kind: 'notification' }, 'normal')).toBe(true);
    expect(passesLevel({ kind: 'notification', level: 'info' }, 'normal')).toBe(true);
  });
  it('keeps only tier and circuit alerts at normal', () => {
    for (const event of ['tier1', 'tier2', 'tier3', 'circuitOpen', 'circuitClosed'])
      expect(passesLevel({ kind: 'alert', event }, 'normal')).toBe(true);
    for (const event of ['exited', 'spawning', 'ready', 'backoff', 'rolling'])
      expect(passesLevel({ kind: 'alert', event }, 'normal')).toBe(false);
  });
  it('always sends replies', () => {
    expect(passesLevel({ kind: 'reply' }, 'normal')).toBe(true);
  });
});

describe('parseOutboxMessage', () => {
  it('takes the runner and supervisor payloads as they are published', () => {
    expect(
      parseOutboxMessage({ id: 'mission-1-1', kind: 'notification', source: 'runner-1', text: '✅ done', at: 1 }),
    ).toEqual({ id: 'mission-1-1', kind: 'notification', source: 'runner-1', text: '✅ done' });
    expect(
      parseOutboxMessage({
        id: 'a',
        kind: 'alert',
        source: 'supervisor',
        child: 'chat',
        event: 'tier1',
        text: '⚠ chat',
        at: 1,
      }),
    ).toMatchObject({ kind: 'alert', event: 'tier1' });
    expect(parseOutboxMessage({ kind: 'reply', provider: 'telegram', chatId: 42, text: 'ok' })).toMatchObject({
      provider: 'telegram',
      chatId: '42',
    });
  });
  it('refuses what cannot be delivered', () => {
    expect(parseOutboxMessage({ kind: 'notification' })).toHaveProperty('error');
    expect(parseOutboxMessage({ text: '   ' })).toHaveProperty('error');
    expect(parseOutboxMessage({ text: 'x', format: 'html' })).toHaveProperty('error');
    expect(parseOutboxMessage({ text: 'x', chatId: {} })).toHaveProperty('error');
  });
});
