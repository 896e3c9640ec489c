// A Matrix message's content (https://spec.matrix.org/latest/client-server-api/#mroommessage-msgtypes):
// `body` the text as written; Markdown answers also as HTML (`format: org.matrix.custom.html`,
// `formatted_body`) in the subset clients render (strong, em, del, code, pre, a, h1–h6, ul/ol,
// blockquote, br), every HTML special character of the text escaped; a reply names the message
// it answers (`m.relates_to` → `m.in_reply_to`, without the deprecated quoted fallback).
// See docs/providers.md#matrix.
import { fencedBlockAt } from '../../text/markdownFence.js';
import type { OutboundMessage } from './types.js';

export const HTML_FORMAT = 'org.matrix.custom.html';

export function matrixContent(message: OutboundMessage, html = true): Record<string, unknown> {
  const replyTo = message.replyTo?.startsWith('$') ? message.replyTo : undefined;
  return {
    msgtype: 'm.text',
    body: message.text,
    ...(html && message.format === 'markdown'
      ? { format: HTML_FORMAT, formatted_body: markdownToMatrixHtml(message.text) }
      : {}),
    ...(replyTo ? { 'm.relates_to': { 'm.in_reply_to': { event_id: replyTo } } } : {}),
  };
}

/** Escapes the five characters HTML gives meaning to, in text and attribute values alike. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

type Part = { block: boolean; html: string };

/** Ordinary Markdown (what roshi writes) → the HTML Matrix clients show. */
export function markdownToMatrixHtml(markdown: string): string {
  const lines = markdown.split('\n');
  const parts: Part[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = fencedBlockAt(lines, i);
    if (fence) {
      const lang = fence.lang ? ` class="language-${escapeHtml(fence.lang)}"` : '';
      parts.push({ block: true, html: `<pre><code${lang}>${escapeHtml(fence.body)}</code></pre>` });
      i = fence.end;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1]?.length ?? 1;
      parts.push({ block: true, html: `<h${level}>${inline(heading[2] ?? '')}</h${level}>` });
      continue;
    }
    const list = listAt(lines, i);
    if (list) {
      parts.push({ block: true, html: list.html });
      i = list.end - 1;
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^>\s?/.test(lines[i] ?? '')) quoted.push((lines[i++] ?? '').replace(/^>\s?/, ''));
      i--;
      parts.push({ block: true, html: `<blockquote>${markdownToMatrixHtml(quoted.join('\n'))}</blockquote>` });
      continue;
    }
    parts.push({ block: false, html: inline(line) });
  }
  // Lines of text are separated by <br />; blocks need none around them.
  return parts
    .map((part, k) => (k > 0 && !part.block && !(parts[k - 1]?.block ?? true) ? `<br />${part.html}` : part.html))
    .join('');
}

/** Consecutive "- item" or "1. item" lines from `start` as one list, or undefined. */
function listAt(lines: string[], start: number): { html: string; end: number } | undefined {
  const bullet = /^\s*[-*+]\s+(.*)$/;
  const numbered = /^\s*\d{1,9}[.)]\s+(.*)$/;
  const first = lines[start] ?? '';
  const pattern = bullet.test(first) ? bullet : numbered.test(first) ? numbered : undefined;
  if (!pattern) return undefined;
  const items: string[] = [];
  let end = start;
  for (; end < lines.length; end++) {
    const item = pattern.exec(lines[end] ?? '');
    if (!item) break;
    items.push(`<li>${inline(item[1] ?? '')}</li>`);
  }
  const tag = pattern === bullet ? 'ul' : 'ol';
  return { html: `<${tag}>${items.join('')}</${tag}>`, end };
}

/** One line's inline Markdown; code spans are kept as they are (only escaped), link targets too. */
function inline(text: string): string {
  return text
    .split(/(`[^`\n]+`)/g)
    .map((part, index) => {
      if (index % 2 === 1) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      // Links first, their targets set aside so emphasis never reaches into a URL.
      const targets: string[] = [];
      const marked = escapeHtml(part).replace(/\[([^\]\n]+)\]\(([^()\s]+)\)/g, (whole, label: string, url: string) => {
        if (!/^(https?:\/\/|mailto:)/i.test(url)) return whole;
        targets.push(url);
        return `<a href="\u0000${targets.length - 1}\u0000">${label}</a>`;
      });
      return marked
        .replace(/\*\*(?!\s)([^\n]+?)(?<!\s)\*\*/g, '<strong>$1</strong>')
        .replace(/(?<!\w)__(?!\s)([^\n]+?)(?<!\s)__(?!\w)/g, '<strong>$1</strong>')
        .replace(/(?<![*\w])\*(?![\s*])([^*\n]+?)(?<![\s*])\*(?![*\w])/g, '<em>$1</em>')
        .replace(/(?<![_\w])_(?![\s_])([^_\n]+?)(?<![\s_])_(?![_\w])/g, '<em>$1</em>')
        .replace(/~~(?!\s)([^\n]+?)(?<!\s)~~/g, '<del>$1</del>')
        .replace(/\u0000(\d+)\u0000/g, (_m, n: string) => targets[Number(n)] ?? '');
    })
    .join('');
}
