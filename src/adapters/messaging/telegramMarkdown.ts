// Ordinary Markdown → Telegram MarkdownV2 (https://core.telegram.org/bots/api#markdownv2-style):
// the formatting roshi writes becomes MarkdownV2 entities and every other reserved character is
// escaped, so Telegram shows the text as meant. See docs/providers.md#telegram.
import { fencedBlockAt } from '../../text/markdownFence.js';

/** Escapes every character MarkdownV2 reserves, so `text` shows literally. */
export function escapeMarkdownV2(text: string): string {
  return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, '\\$&');
}
const escapeCode = (text: string) => text.replace(/[`\\]/g, '\\$&');
const escapeLinkUrl = (text: string) => text.replace(/[)\\]/g, '\\$&');
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
const isAsciiPunct = (c: string | undefined) => c !== undefined && /[!-/:-@[-`{-~]/.test(c);

/**
 * Converts ordinary Markdown (the kind roshi writes: **bold**, *italic* or _italic_, ~~strike~~,
 * `code`, fenced blocks, [links](url), # headings, - bullets, > quotes) to Telegram MarkdownV2:
 * the formatting becomes MarkdownV2 entities and every other reserved character is escaped.
 */
export function markdownToMarkdownV2(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = fencedBlockAt(lines, i);
    if (fence) {
      out.push(`\`\`\`${fence.lang}\n${escapeCode(fence.body)}\n\`\`\``);
      i = fence.end; // the closing fence (or the end, for an unclosed block)
      continue;
    }
    out.push(convertLine(line));
  }
  return out.join('\n');
}

function convertLine(line: string): string {
  const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return heading[1] ? `*${convertInline(heading[1])}*` : '';
  const quote = /^>\s?(.*)$/.exec(line);
  if (quote) return `>${convertLine(quote[1] ?? '')}`;
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1] ?? ''}• ${convertInline(bullet[2] ?? '')}`;
  return convertInline(line);
}

function convertInline(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === '\\' && isAsciiPunct(text[i + 1])) {
      out += escapeMarkdownV2(text[i + 1] ?? '');
      i += 2;
      continue;
    }
    if (c === '`') {
      let run = 1;
      while (text[i + run] === '`') run++;
      const fence = '`'.repeat(run);
      const close = findRun(text, fence, i + run);
      if (close > i + run) {
        out += `\`${escapeCode(text.slice(i + run, close))}\``;
        i = close + run;
      } else {
        out += escapeMarkdownV2(fence);
        i += run;
      }
      continue;
    }
    if (c === '[') {
      const link = /^\[([^\]\n]+)\]\(([^()\s]+)\)/.exec(text.slice(i));
      if (link) {
        out += `[${convertInline(link[1] ?? '')}](${escapeLinkUrl(link[2] ?? '')})`;
        i += link[0].length;
        continue;
      }
    }
    const pair = text.slice(i, i + 2);
    if (pair === '**' || pair === '__' || pair === '~~') {
      const end = closingDelimiter(text, pair, i);
      if (end > 0) {
        const mark = pair === '~~' ? '~' : '*';
        out += `${mark}${convertInline(text.slice(i + 2, end))}${mark}`;
        i = end + 2;
        continue;
      }
    }
    if (c === '*' || c === '_') {
      const end = closingDelimiter(text, c, i);
      if (end > 0) {
        out += `_${convertInline(text.slice(i + 1, end))}_`;
        i = end + 1;
        continue;
      }
    }
    out += escapeMarkdownV2(c);
    i++;
  }
  return out;
}

/** Index of the `fence` run (exactly that many backticks) at or after `from`, or -1. */
function findRun(text: string, fence: string, from: number): number {
  for (let j = text.indexOf(fence, from); j >= 0; j = text.indexOf(fence, j + 1)) {
    if (text[j - 1] !== '`' && text[j + fence.length] !== '`') return j;
  }
  return -1;
}

/**
 * Where the emphasis opened by `delim` at `start` closes, or -1: the content must not start or
 * end with a space, and '_' emphasis must not sit inside a word (snake_case stays as it is).
 */
function closingDelimiter(text: string, delim: string, start: number): number {
  const inner = start + delim.length;
  const first = text[inner];
  if (first === undefined || first === ' ' || first === delim[0]) return -1;
  const underscore = delim[0] === '_';
  if (underscore && isWordChar(text[start - 1])) return -1;
  for (let j = text.indexOf(delim, inner + 1); j >= 0; j = text.indexOf(delim, j + 1)) {
    if (text[j - 1] === ' ' || text[j - 1] === '\\') continue;
    if (delim.length === 1 && (text[j + 1] === delim || text[j - 1] === delim)) continue;
    if (underscore && isWordChar(text[j + delim.length])) continue;
    if (text.slice(inner, j).includes('\n')) return -1;
    return j;
  }
  return -1;
}
