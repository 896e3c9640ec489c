// Long texts are sent in pieces no longer than the provider takes, cut where a reader would
// pause so each piece reads on its own: at the last paragraph break (a blank line) that fits, if
// it leaves the piece at least half full, else the last line break, else the last space, else (one
// unbroken word longer than the limit) at the limit itself, never inside a surrogate pair.
// Lengths are UTF-16 code units, what JavaScript and Telegram count. Markdown keeps its code
// blocks whole per piece (splitMarkdown).

export function splitMessage(text: string, maxLength: number): string[] {
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  const parts: string[] = [];
  let rest = text.replace(/\s+$/, '');
  while (rest.length > maxLength) {
    const paragraph = rest.lastIndexOf('\n\n', maxLength);
    let cut = paragraph >= maxLength / 2 ? paragraph : rest.lastIndexOf('\n', maxLength);
    let skip = 1;
    if (cut <= 0) {
      cut = rest.lastIndexOf(' ', maxLength);
      if (cut <= 0) {
        cut = maxLength;
        skip = 0;
        const code = rest.charCodeAt(cut - 1);
        if (code >= 0xd800 && code <= 0xdbff && cut > 1) cut--; // keep a surrogate pair together
      }
    }
    const piece = rest.slice(0, cut).replace(/\s+$/, '');
    if (piece.trim() !== '') parts.push(piece);
    rest = rest.slice(cut + skip);
    // Drop the blank lines a cut leaves at the start of the next piece.
    rest = rest.replace(/^\n+/, '');
  }
  if (rest.trim() !== '' || parts.length === 0) parts.push(rest);
  return parts;
}

/** The longest piece for a provider: the bridge's own limit and the provider's, whichever is lower. */
export function pieceLength(bridgeMax: number, providerMax: number): number {
  return Math.max(1, Math.min(bridgeMax, providerMax));
}

/** Room a piece keeps for the fence lines that close and reopen a code block cut in two. */
const FENCE_ROOM = 48;
const FENCE = /^\s*```\s*([\w+-]*)\s*$/;

/**
 * splitMessage for Markdown: a code block cut between two pieces is closed at the end of the
 * first and opened again (with its language) at the start of the next, so each piece renders
 * on its own. Text without fences splits exactly as splitMessage does.
 */
export function splitMarkdown(text: string, maxLength: number): string[] {
  if (!text.includes('```') || maxLength <= FENCE_ROOM * 2) return splitMessage(text, maxLength);
  let open: string | undefined;
  return splitMessage(text, maxLength - FENCE_ROOM).map((piece) => {
    const body = open !== undefined ? `${open}\n${piece}` : piece;
    open = openFenceAtEnd(body);
    return open !== undefined ? `${body}\n\`\`\`` : body;
  });
}

/** The opening line of a code block still open at the end of `text`, or undefined. */
function openFenceAtEnd(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const fence = FENCE.exec(line);
    if (!fence) continue;
    if (open === undefined) open = `\`\`\`${(fence[1] ?? '').slice(0, FENCE_ROOM - 10)}`;
    else if (fence[1] === '') open = undefined;
  }
  return open;
}
