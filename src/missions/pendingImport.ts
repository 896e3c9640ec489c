// Reading missions.md back: the sections, and the lines a person added under Pending since the
// last render, which become new missions (source 'file').
//
// "Added" means: not in the last file roshi rendered. Lines are compared as a multiset, so a
// person who pastes a second copy of a pending line adds one mission; lines roshi wrote are
// never imported again, whatever has happened to their missions since.
import { SECTION_TITLES, STAMP, type SectionTitle } from './render.js';

export type MissionsFileSections = Record<SectionTitle, string[]>;

const HEADING = /^##\s+(.+?)\s*#*\s*$/;
const BULLET = /^(?:[-*+]|\d+[.)])(?:\s+|$)/;
const TIME = String.raw`(?:(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)\s+(?:\d{1,2}\/\d{1,2}\s+)?)?@\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)`;
/** The stamps roshi appends, removed when a line is read back (also when a person copied a Done or Failed line). */
const TRAILING_STAMPS = [
  new RegExp(String.raw`\s*${STAMP.queued}\s*${TIME}(?:\s*${STAMP.started}\s*${TIME})?\s*$`, 'i'),
  new RegExp(String.raw`\s*${STAMP.done}(?:\s*took\s+[\dsmhd ]+)?\s*$`),
  new RegExp(String.raw`\s*${STAMP.failed}\s*(?:\[[^\]]*\])?\s*$`),
];

/** Lines under each `## ` heading roshi knows (trimmed, blank lines dropped); anything else is ignored. */
export function parseMissionsFile(text: string): MissionsFileSections {
  const sections = Object.fromEntries(SECTION_TITLES.map((t) => [t, [] as string[]])) as MissionsFileSections;
  let current: string[] | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const heading = HEADING.exec(line);
    if (heading) {
      const title = SECTION_TITLES.find((t) => t.toLowerCase() === (heading[1] ?? '').toLowerCase());
      current = title ? sections[title] : undefined;
      continue;
    }
    if (line.startsWith('#')) {
      current = undefined;
      continue;
    }
    if (current && line !== '' && !line.startsWith('<!--')) current.push(line);
  }
  return sections;
}

/** The mission text in a Pending line: bullet and roshi's stamps removed, tag kept. undefined when nothing is left. */
export function pendingLineText(line: string): string | undefined {
  let text = line.trim().replace(BULLET, '');
  // One kind of stamp ends a line; strip only that one, so text that itself ends in ✅ survives.
  const stamp = TRAILING_STAMPS.find((pattern) => pattern.test(text));
  if (stamp) text = text.replace(stamp, '');
  text = text.trim();
  return text === '' ? undefined : text;
}

/**
 * Mission texts of the lines under Pending in `current` that `lastRendered` did not have.
 * Without a last render (first start, state lost) every Pending line counts as added; the
 * caller filters out those that match a mission it already has.
 */
export function findAddedPendingLines(current: string, lastRendered: string | undefined): string[] {
  const known = new Map<string, number>();
  if (lastRendered !== undefined) {
    for (const line of parseMissionsFile(lastRendered).Pending) known.set(line, (known.get(line) ?? 0) + 1);
  }
  const added: string[] = [];
  for (const line of parseMissionsFile(current).Pending) {
    const seen = known.get(line) ?? 0;
    if (seen > 0) {
      known.set(line, seen - 1);
      continue;
    }
    const text = pendingLineText(line);
    if (text !== undefined) added.push(text);
  }
  return added;
}
