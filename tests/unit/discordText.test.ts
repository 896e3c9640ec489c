// Discord's text rules (src/adapters/messaging/discordText.ts): every markdown character of plain
// text escaped (URLs left whole), within the 2000-character limit; a leading bot mention dropped
// from a command; buttons cut to Discord's limits; snowflakes ordered without float loss.
import { describe, expect, it } from 'vitest';
import { actionRows, compareSnowflakes, escapeDiscord, inboundText } from '../../src/adapters/messaging/discordText.js';

describe('discord text', () => {
  it('escapes every character Discord reads as markdown', () => {
    expect(escapeDiscord('a *b* _c_ ~~d~~ `e` ||f|| \\ [g](h) <@1>')).toBe(
      'a \\*b\\* \\_c\\_ \\~\\~d\\~\\~ \\`e\\` \\|\\|f\\|\\| \\\\ \\[g\\](h) \\<@1>',
    );
    expect(escapeDiscord('> quote\n# heading\n-# small\n- item\n+ item\n12. item\n  > indented')).toBe(
      '\\> quote\n\\# heading\n\\-# small\n\\- item\n\\+ item\n12\\. item\n  \\> indented',
    );
    expect(escapeDiscord('plain words, 3 - 2 > 0 # not a heading')).toBe('plain words, 3 - 2 > 0 # not a heading');
  });

  it('leaves a bare URL whole, so Discord still links it', () => {
    expect(escapeDiscord('see https://github.com/acme/app_x/pull/1?a=*b* and *this*')).toBe(
      'see https://github.com/acme/app_x/pull/1?a=*b* and \\*this\\*',
    );
  });

  it('never makes a text longer than the limit: escapes stop where the limit is reached', () => {
    const text = '*'.repeat(1500);
    const escaped = escapeDiscord(text, 2000);
    expect(escaped).toHaveLength(2000);
    expect(escaped.startsWith('\\*'.repeat(500))).toBe(true);
    expect(escapeDiscord('*'.repeat(2000), 2000)).toBe('*'.repeat(2000));
    expect(escapeDiscord('*a*', 2000)).toBe('\\*a\\*');
  });

  it('reads a command addressed to the bot by mention', () => {
    expect(inboundText('<@1052345678901234567> /status', '1052345678901234567')).toBe('/status');
    expect(inboundText('<@!1052345678901234567>   /list ', '1052345678901234567')).toBe('/list');
    expect(inboundText('<@999999999999999999> hi', '1052345678901234567')).toBe('<@999999999999999999> hi');
    expect(inboundText(' /help ', undefined)).toBe('/help');
  });

  it('puts actions in rows of five buttons, leaving out what Discord would refuse', () => {
    const actions = Array.from({ length: 27 }, (_, i) => ({ label: `b${i}`, command: `/cancel m${i}` }));
    const long = { label: 'too long', command: `/mission ${'x'.repeat(100)}` };
    const { rows, dropped } = actionRows([long, ...actions]);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.type === 1 && r.components.length === 5)).toBe(true);
    expect(rows[0]!.components[0]).toEqual({ type: 2, style: 2, label: 'b0', custom_id: '/cancel m0' });
    expect(dropped.map((a) => a.label)).toEqual(['too long', 'b25', 'b26']);
    expect(actionRows([{ label: ' ', command: '/retry m1' }]).rows[0]!.components[0]!.label).toBe('/retry m1');
  });

  it('orders snowflakes past 2^53 exactly', () => {
    expect(compareSnowflakes('1052345678901234567', '1052345678901234566')).toBe(1);
    expect(compareSnowflakes('999999999999999999', '1052345678901234566')).toBe(-1);
    expect(compareSnowflakes('0', '0')).toBe(0);
  });
});
