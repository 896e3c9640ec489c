// Long Markdown answers in pieces that each render on their own (split.ts splitMarkdown): cut on
// paragraph breaks within the limit, and a code block cut in two closed and reopened.
import { describe, expect, it } from 'vitest';
import { markdownToMarkdownV2 } from '../../src/adapters/messaging/telegramMarkdown.js';
import { splitMarkdown, splitMessage } from '../../src/bridge/split.js';
import { parseMarkdownV2 } from '../fakes/telegram.js';

const paragraph = (n: number) => `Paragraph ${n}: ${'words and more words. '.repeat(40).trim()}`;

describe('splitMarkdown', () => {
  it('without code blocks splits exactly like splitMessage, on paragraph breaks', () => {
    const text = Array.from({ length: 14 }, (_, i) => paragraph(i)).join('\n\n');
    const pieces = splitMarkdown(text, 4096);
    expect(pieces).toEqual(splitMessage(text, 4096));
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join('\n\n')).toBe(text);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(4096);
      expect(piece.startsWith('Paragraph ')).toBe(true);
    }
  });

  it('closes a code block cut between two pieces and opens it again, language kept', () => {
    const code = Array.from({ length: 120 }, (_, i) => `const line${i} = value_${i} * 2; // (note ${i}.)`).join('\n');
    const text = `${paragraph(1)}\n\n\`\`\`ts\n${code}\n\`\`\`\n\n${paragraph(2)}`;
    const pieces = splitMarkdown(text, 2000);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(2000);
      // Every piece has its fences paired, and Telegram parses what it becomes.
      expect((piece.match(/^```/gm) ?? []).length % 2).toBe(0);
      expect('error' in parseMarkdownV2(markdownToMarkdownV2(piece))).toBe(false);
    }
    expect(pieces[1]!.startsWith('```ts\n')).toBe(true);
    // Nothing lost: every code line is in some piece, once.
    for (let i = 0; i < 120; i++) expect(pieces.filter((p) => p.includes(`const line${i} =`)).length).toBe(1);
  });
});
