// Mission text as it enters roshi, from any intake (the missions service, missions.md): capped
// in length, and stripped of what can hide or disguise text — control characters other than
// newline and tab (terminal escapes, NUL, carriage returns that overwrite a line) and the
// bidirectional overrides and isolates that make a line read differently from what it says
// ("Trojan Source"). Pure, so every intake path runs the same rule.
import { InvalidMissionError } from './errors.js';

export const DEFAULT_MAX_TEXT_LENGTH = 8000;

// C0 controls except \t (09) and \n (0A), DEL, C1 controls; bidi embeddings/overrides
// U+202A–U+202E and isolates U+2066–U+2069.
const HIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** The text without hidden characters; refused (InvalidMissionError) when longer than `maxLength` characters. */
export function cleanMissionText(text: string, maxLength: number = DEFAULT_MAX_TEXT_LENGTH): string {
  const clean = stripHiddenCharacters(text);
  const length = characterCount(clean);
  if (length > maxLength) {
    throw new InvalidMissionError(
      `mission text is ${length} characters long; the limit is ${maxLength} (missions.maxTextLength): shorten it, or put the detail in a file or an issue and link to it`,
    );
  }
  return clean;
}

export function stripHiddenCharacters(text: string): string {
  return text.replace(HIDDEN, '');
}

/** Characters as a person counts them (code points, so an emoji is one). */
function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
