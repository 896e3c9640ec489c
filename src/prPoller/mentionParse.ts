// Parsing `@<bot> <command> [args]` out of a comment's Markdown: which lines can hold a command
// (not code, quotes or HTML comments), and the first command addressed to the bot. The commands
// are the mission commands of src/missions/commands.ts, by kind.
import { MISSION_COMMANDS, missionCommandNamed, type CommandKind, type MissionCommand } from '../missions/commands.js';

/** The command words a mention may use, in the order a reply lists them. */
export const MENTION_COMMANDS: readonly CommandKind[] = MISSION_COMMANDS.map((c) => c.kind);
/** The commands a mention on an issue (not a pull request) may give. */
export const ISSUE_COMMANDS: readonly CommandKind[] = MISSION_COMMANDS.filter((c) => c.target === 'issue').map(
  (c) => c.kind,
);
export type MentionCommand = CommandKind;
/** Arguments longer than this are cut (they become mission text). */
export const MAX_ARGS_LENGTH = 500;

export type ParsedMention = { command: MentionCommand; args: string } | { unknown: string };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Markdown that cannot hold a command: fenced code, inline code, HTML comments, quoted lines. */
function commandableLines(body: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const raw of body.replace(/<!--[\s\S]*?-->/g, '').split(/\r?\n/)) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(raw)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      continue;
    }
    if (marker !== undefined) {
      fence = marker;
      continue;
    }
    if (/^\s*>/.test(raw)) continue; // a quote of someone's earlier command is not a new one
    lines.push(raw.replace(/(`+)[\s\S]*?\1/g, ' '));
  }
  return lines;
}

/**
 * The first `@<bot> <command> [args]` of a comment. `@bot /rebase` and `ci-check` are accepted
 * too. A mention followed by a word that is no command is `{ unknown }` only when it starts a
 * line (someone addressing the bot); "thanks @bot!" mid-sentence is not a command at all.
 */
export function parseMention(
  body: string,
  botLogin: string,
  commands: readonly MissionCommand[] = MISSION_COMMANDS,
): ParsedMention | undefined {
  const login = botLogin.replace(/\[bot\]$/i, '');
  if (login === '') return undefined;
  const mention = new RegExp(`(^|[^A-Za-z0-9_@/.-])@${escapeRegExp(login)}(?![A-Za-z0-9_-])[:,]?(.*)$`, 'i');
  let unknown: string | undefined;
  for (const line of commandableLines(body)) {
    let rest = line;
    let lineStart = true;
    for (;;) {
      const m = mention.exec(rest);
      if (!m) break;
      const before = rest.slice(0, m.index + (m[1]?.length ?? 0));
      const atStart = lineStart && before.trim() === '';
      const after = m[2] ?? '';
      const word = /^\s+\/?([A-Za-z][A-Za-z0-9_-]*)(.*)$/.exec(after);
      if (word) {
        const command = missionCommandNamed((word[1] ?? '').replace(/-/g, '_'), commands);
        if (command) {
          const args = (word[2] ?? '').trim().slice(0, MAX_ARGS_LENGTH);
          return { command: command.kind, args };
        }
        if (atStart && unknown === undefined) unknown = word[1] ?? '';
      }
      rest = after;
      lineStart = false;
    }
  }
  return unknown === undefined ? undefined : { unknown };
}
