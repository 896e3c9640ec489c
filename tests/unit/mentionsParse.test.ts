// parseMention: which comment text is a command for the bot, and which is not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoSeconds, MAX_ARGS_LENGTH, parseMention } from '../../src/prPoller/mentions.js';

const BOT = 'roshi-bot';

describe('parseMention', () => {
  it('finds `@bot <command> [args]` at the start of a comment, case-insensitively', () => {
    expect(parseMention('@roshi-bot rebase', BOT)).toEqual({ command: 'rebase', args: '' });
    expect(parseMention('@Roshi-Bot  Fix the flaky login test\nthanks', BOT)).toEqual({
      command: 'fix',
      args: 'the flaky login test',
    });
    expect(parseMention('@roshi-bot implement', BOT)).toEqual({ command: 'implement', args: '' });
  });

  it('accepts a slash, a colon or comma after the name, and ci-check for ci_check', () => {
    expect(parseMention('@roshi-bot /review', BOT)).toEqual({ command: 'review', args: '' });
    expect(parseMention('@roshi-bot: ci-check please', BOT)).toEqual({ command: 'ci_check', args: 'please' });
    expect(parseMention('@roshi-bot, ci_check', BOT)).toEqual({ command: 'ci_check', args: '' });
  });

  it('finds a command mid-sentence and on a later line', () => {
    expect(parseMention('Looks good. Could you @roshi-bot rebase this?', BOT)).toEqual({
      command: 'rebase',
      args: 'this?',
    });
    expect(parseMention('LGTM\n\n@roshi-bot review', BOT)).toEqual({ command: 'review', args: '' });
  });

  it('takes the first command of a comment', () => {
    expect(parseMention('@roshi-bot rebase\n@roshi-bot review', BOT)).toEqual({ command: 'rebase', args: '' });
  });

  it('ignores quotes, code blocks, inline code and HTML comments (a quoted command is not a new one)', () => {
    expect(parseMention('> @roshi-bot rebase\n\nthat did not work', BOT)).toBeUndefined();
    expect(parseMention('```\n@roshi-bot rebase\n```', BOT)).toBeUndefined();
    expect(parseMention('~~~sh\n@roshi-bot rebase\n~~~\n', BOT)).toBeUndefined();
    expect(parseMention('type `@roshi-bot rebase` to rebase', BOT)).toBeUndefined();
    expect(parseMention('<!-- @roshi-bot rebase -->', BOT)).toBeUndefined();
    expect(parseMention('```\nx\n```\n@roshi-bot rebase', BOT)).toEqual({ command: 'rebase', args: '' });
  });

  it('does not take other logins, e-mail addresses or paths for the bot', () => {
    expect(parseMention('@roshi-bot-2 rebase', BOT)).toBeUndefined();
    expect(parseMention('@roshi rebase', BOT)).toBeUndefined();
    expect(parseMention('mail ops@roshi-bot rebase', BOT)).toBeUndefined();
    expect(parseMention('see org/@roshi-bot rebase', BOT)).toBeUndefined();
  });

  it('an unknown word is `unknown` only when the mention starts a line', () => {
    expect(parseMention('@roshi-bot rebsae', BOT)).toEqual({ unknown: 'rebsae' });
    expect(parseMention('thanks @roshi-bot for the fix', BOT)).toBeUndefined();
    expect(parseMention('@roshi-bot', BOT)).toBeUndefined();
    expect(parseMention('cc @roshi-bot', BOT)).toBeUndefined();
  });

  it('matches a GitHub App login without its [bot] suffix, and nothing for an empty login', () => {
    expect(parseMention('@roshi-app review', 'roshi-app[bot]')).toEqual({ command: 'review', args: '' });
    expect(parseMention('@ review', '')).toBeUndefined();
  });

  it('cuts long arguments', () => {
    const parsed = parseMention(`@roshi-bot fix ${'x'.repeat(2_000)}`, BOT);
    expect(parsed && 'args' in parsed ? parsed.args.length : 0).toBe(MAX_ARGS_LENGTH);
  });

  it('never throws and never finds a command in text without the bot mention', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const body = text.replace(/@/g, '');
        expect(parseMention(body, BOT)).toBeUndefined();
      }),
    );
  });
});

describe('isoSeconds', () => {
  it('is ISO 8601 to the second, as GitHub documents `since`', () => {
    expect(isoSeconds(Date.UTC(2024, 0, 2, 3, 4, 5, 678))).toBe('2024-01-02T03:04:05Z');
  });
});
