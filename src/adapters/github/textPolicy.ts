// Everything roshi writes to GitHub (PR titles and bodies, comments) goes through outgoingText:
// first the secret scrubber (a token the agent printed into its summary must not end up public),
// then escapeMentions: `@copilot`, `@dependabot` and `@github-actions` get a zero-width joiner
// (U+200D) after the '@'. Chosen over backticks because it is invisible, works the same in titles
// (where backticks would show as code), inside existing code spans and in plain text, and is
// idempotent; GitHub's mention parser stops at the joiner, so no bot is summoned by roshi's text.
import { scrubText } from '../../secrets/scrubber.js';

export const ZWJ = '\u200D';
/** The bots roshi must never summon by accident. */
export const ESCAPED_MENTIONS = ['copilot', 'dependabot', 'github-actions'] as const;
// '@' + a bot name, case-insensitive, not already escaped, not followed by more login characters
// (so '@copilot-fan' is someone else and left alone).
const MENTION = new RegExp(`@(?=(?:${ESCAPED_MENTIONS.join('|')})(?![A-Za-z0-9-]))`, 'gi');

/** Inserts U+200D after the '@' of every @copilot, @dependabot and @github-actions mention. */
export function escapeMentions(text: string): string {
  return text.replace(MENTION, `@${ZWJ}`);
}

/** What roshi writes to GitHub (PR titles, bodies, comments): secrets masked, then bot mentions escaped. */
export function outgoingText(text: string): string {
  return escapeMentions(scrubText(text));
}
