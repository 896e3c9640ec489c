// "Did you mean …?": the known word nearest to a typo, for config keys and chat commands.

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("stauts"). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate nearest to `word`, ignoring case, among those at most `limit(candidate)` edits
 * away (the first of equals wins); undefined when none is that close.
 */
export function nearest<T extends string>(
  word: string,
  candidates: readonly T[],
  limit: (candidate: T) => number,
): T | undefined {
  const w = word.toLowerCase();
  let best: { candidate: T; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(w, candidate.toLowerCase());
    if (distance <= limit(candidate) && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
