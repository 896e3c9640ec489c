// Short text for chat lines, log fields and titles. Lengths count code points, not UTF-16 units,
// so a cut never splits an emoji into a broken surrogate half.

/** `text` at most `max` code points long; a cut one ends in "…" (counted in `max`). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text; // UTF-16 length ≥ code points: nothing to count
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars
    .slice(0, Math.max(0, max - 1))
    .join('')
    .trimEnd()}…`;
}

/** `text` on one line (every run of whitespace one space, ends trimmed), clipped to `max`. */
export function oneLine(text: string, max = Infinity): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}
