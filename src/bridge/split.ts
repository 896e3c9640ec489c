// Long texts are sent in pieces no longer than the provider takes, cut where a reader would
// pause so each piece reads on its own: at the last paragraph break (a blank line) that fits, if
// it leaves the piece at least half full, else the last line break, else the last space, else (one
// unbroken word longer than the limit) at the limit itself, never inside a surrogate pair.
// Lengths are UTF-16 code units, what JavaScript and Telegram count.

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
