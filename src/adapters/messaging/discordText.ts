// Discord's text rules (https://discord.com/developers/docs/reference#message-formatting):
// escaping its markdown for plain text, the buttons of an outbound message, and comparing message
// ids (snowflakes, larger = later). See docs/chat.md#discord.
import type { MessageAction } from './types.js';

/** Discord's limit on a message's content. */
export const DISCORD_CONTENT_LIMIT = 2000;
/** Discord's limits on buttons: 5 per row, 5 rows, an 80-character label, a 100-character custom_id. */
const BUTTONS_PER_ROW = 5;
const MAX_ROWS = 5;
const LABEL_LIMIT = 80;
const CUSTOM_ID_LIMIT = 100;

/** Characters that make markdown anywhere in a line: emphasis, code, spoilers, masked links, mentions. */
const INLINE_SPECIAL = /[\\*_~`|<[\]]/;
/** What starts markdown at the beginning of a line: quotes, headings, subtext, lists. */
const LINE_START = /^(\s*)([>#+-]|\d+(?=\.))/;
/** A bare URL: Discord links it as written, so nothing inside it is escaped. */
const URL = /https?:\/\/[^\s<>]+/g;

/**
 * Plain text as Discord shows it literally: a backslash before each markdown character. Each
 * escape adds a character; once the text would pass `limit`, the rest goes as it is (an odd star
 * shown as emphasis beats a message Discord refuses).
 */
export function escapeDiscord(text: string, limit = Number.POSITIVE_INFINITY): string {
  let budget = limit - text.length;
  const escapeAt = (line: string, positions: number[]): string => {
    let out = '';
    let from = 0;
    for (const at of positions) {
      if (budget <= 0) break;
      out += `${line.slice(from, at)}\\`;
      from = at;
      budget--;
    }
    return out + line.slice(from);
  };
  return text
    .split('\n')
    .map((line) => escapeAt(line, specialPositions(line)))
    .join('\n');
}

/** Where a line needs a backslash, in order, skipping bare URLs. */
function specialPositions(line: string): number[] {
  const positions: number[] = [];
  const start = LINE_START.exec(line);
  if (start) positions.push((start[1] ?? '').length + (/\d/.test(start[2] ?? '') ? (start[2] ?? '').length : 0));
  const urls = [...line.matchAll(URL)].map((m) => [m.index, m.index + m[0].length] as const);
  for (let i = 0; i < line.length; i++) {
    const inUrl = urls.find(([from, to]) => i >= from && i < to);
    if (inUrl) {
      i = inUrl[1] - 1;
      continue;
    }
    if (INLINE_SPECIAL.test(line[i] ?? '') && !positions.includes(i)) positions.push(i);
  }
  return positions.sort((a, b) => a - b);
}

/** A received message's content as a command: a leading mention of the bot dropped, trimmed. */
export function inboundText(content: string, botUserId: string | undefined): string {
  const mention = botUserId ? new RegExp(`^\\s*<@!?${botUserId}>\\s*`) : undefined;
  return (mention ? content.replace(mention, '') : content).trim();
}

export interface DiscordButton {
  type: 2;
  style: 2;
  label: string;
  custom_id: string;
}

export interface DiscordActionRow {
  type: 1;
  components: DiscordButton[];
}

/**
 * The message's actions as rows of secondary buttons whose custom_id is the command. Actions that
 * do not fit Discord's limits (a command over 100 characters, more than 25 buttons) are left out
 * and returned, so the caller can say so.
 */
export function actionRows(actions: readonly MessageAction[]): { rows: DiscordActionRow[]; dropped: MessageAction[] } {
  const buttons: DiscordButton[] = [];
  const dropped: MessageAction[] = [];
  for (const action of actions) {
    if (action.command.length > CUSTOM_ID_LIMIT || buttons.length >= BUTTONS_PER_ROW * MAX_ROWS) {
      dropped.push(action);
      continue;
    }
    const label = (action.label.trim() || action.command).slice(0, LABEL_LIMIT);
    buttons.push({ type: 2, style: 2, label, custom_id: action.command });
  }
  const rows: DiscordActionRow[] = [];
  for (let i = 0; i < buttons.length; i += BUTTONS_PER_ROW)
    rows.push({ type: 1, components: buttons.slice(i, i + BUTTONS_PER_ROW) });
  return { rows, dropped };
}

/** Orders two snowflakes (decimal strings of up to 64 bits) without floating-point loss. */
export function compareSnowflakes(a: string, b: string): number {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A Discord id: a snowflake, 17 to 20 digits. */
export const SNOWFLAKE = /^\d{17,20}$/;
