// The fenced code block of roshi's Markdown (```lang … ```), read one way for every provider that
// renders it (Telegram MarkdownV2, Matrix HTML). Pure.

export interface FencedBlock {
  lang: string;
  body: string;
  /** The index of the closing fence (or the last line, for an unclosed block). */
  end: number;
}

/** The fenced block opening at `lines[i]`, or undefined when that line opens none. */
export function fencedBlockAt(lines: readonly string[], i: number): FencedBlock | undefined {
  const fence = /^\s*```\s*([\w-]*)\s*$/.exec(lines[i] ?? '');
  if (!fence) return undefined;
  const body: string[] = [];
  let j = i + 1;
  while (j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? '')) body.push(lines[j++] ?? '');
  return { lang: fence[1] ?? '', body: body.join('\n'), end: j };
}
