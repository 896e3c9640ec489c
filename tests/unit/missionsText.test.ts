// Mission text at intake: capped, and stripped of control and bidi-override characters.
import { describe, expect, it } from 'vitest';
import { InvalidMissionError } from '../../src/missions/errors.js';
import { cleanMissionText, DEFAULT_MAX_TEXT_LENGTH, stripHiddenCharacters } from '../../src/missions/text.js';

describe('cleanMissionText', () => {
  it('keeps ordinary text, newlines and tabs as they are', () => {
    const text = 'fix the login test\n\tsee https://github.com/o/r/issues/1 — ünïcödé 🚀';
    expect(cleanMissionText(text)).toBe(text);
  });

  it('strips control characters other than newline and tab: NUL, escapes, carriage return, DEL, C1', () => {
    expect(stripHiddenCharacters('a\u0000b\u001b[31mred\u001b[0m\r\nc\u007fd\u0085e\u009bf')).toBe(
      'ab[31mred[0m\ncdef',
    );
  });

  it('strips bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069), so what is read is what is run', () => {
    const trojan = 'delete\u202E nothing \u202C\u2066important\u2069 \u202A\u202B\u202D\u2067\u2068';
    expect(cleanMissionText(trojan)).toBe('delete nothing important ');
    // Neighbours that are not overrides stay (zero-width joiner in an emoji, LRM).
    expect(cleanMissionText('👩\u200D💻 \u200E')).toBe('👩\u200D💻 \u200E');
  });

  it('accepts text at the limit and refuses one character more, saying the limit', () => {
    expect(cleanMissionText('x'.repeat(DEFAULT_MAX_TEXT_LENGTH))).toHaveLength(DEFAULT_MAX_TEXT_LENGTH);
    expect(() => cleanMissionText('x'.repeat(DEFAULT_MAX_TEXT_LENGTH + 1))).toThrow(InvalidMissionError);
    expect(() => cleanMissionText('x'.repeat(8001))).toThrow(
      'mission text is 8001 characters long; the limit is 8000 (missions.maxTextLength)',
    );
    expect(() => cleanMissionText('x'.repeat(101), 100)).toThrow(/the limit is 100/);
  });

  it('counts what is left after stripping, in characters (an emoji is one)', () => {
    expect(cleanMissionText('🚀'.repeat(100), 100)).toHaveLength(200);
    expect(cleanMissionText(`${'x'.repeat(100)}${'\u0000'.repeat(50)}`, 100)).toBe('x'.repeat(100));
  });
});
