// parseMention: which comment text is a command for the bot, and which is not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoSeconds, MAX_ARGS_LENGTH, parseMention } from '../../src/prPoller/mentions.js';

const BOT = 'roshi-bot';

/** `text` is a `command` for the bot, with `args`. */
const expectCommand = (text: string, command: string, args = '') =>
  expect(parseMention(text, BOT)).toEqual({ command, args });
/** `text` holds no mention of the bot that counts. */
const expectNoCommand = (text: string) => expect(parseMention(text, BOT)).toBeUndefined();

describe('parseMention', () => {
  it('finds `@bot <command> [args]` at the start of a comment, case-insensitively', () => {
    expectCommand('@roshi-bot rebase', 'rebase');
    expectCommand('@Roshi-Bot  Fix the flaky login test\nthanks', 'fix', 'the flaky login test');
    expectCommand('@roshi-bot implement', 'implement');
  });

  it('accepts a slash, a colon or comma after the name, and ci-check for ci_check', () => {
    expectCommand('@roshi-bot /review', 'review');
    expectCommand('@roshi-bot: ci-check please', 'ci_check', 'please');
    expectCommand('@roshi-bot, ci_check', 'ci_check');
  });

  it('finds a command mid-sentence and on a later line', () => {
    expectCommand('Looks good. Could you @roshi-bot rebase this?', 'rebase', 'this?');
    expectCommand('LGTM\n\n@roshi-bot review', 'review');
  });

  it('takes the first command of a comment', () => {
    expectCommand('@roshi-bot rebase\n@roshi-bot review', 'rebase');
  });

  it('ignores quotes, code blocks, inline code and HTML comments (a quoted command is not a new one)', () => {
    expectNoCommand('> @roshi-bot rebase\n\nthat did not work');
    expectNoCommand('```\n@roshi-bot rebase\n```');
    expectNoCommand('~~~sh\n@roshi-bot rebase\n~~~\n');
    expectNoCommand('type `@roshi-bot rebase` to rebase');
    expectNoCommand('<!-- @roshi-bot rebase -->');
    expectCommand('```\nx\n```\n@roshi-bot rebase', 'rebase');
  });

  it('does not take other logins, e-mail addresses or paths for the bot', () => {
    expectNoCommand('@roshi-bot-2 rebase');
    expectNoCommand('@roshi rebase');
    expectNoCommand('mail ops@roshi-bot rebase');
    expectNoCommand('see org/@roshi-bot rebase');
  });

  it('an unknown word is `unknown` only when the mention starts a line', () => {
    expect(parseMention('@roshi-bot rebsae', BOT)).toEqual({ unknown: 'rebsae' });
    expectNoCommand('thanks @roshi-bot for the fix');
    expectNoCommand('@roshi-bot');
    expectNoCommand('cc @roshi-bot');
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
