// /help: every command by category with its aliases, or the usage of one command.
import type { MenuCommand } from '../adapters/messaging/types.js';
import type { Command, CommandCategory } from './command.js';
import { findCommand, MISSION_VERBS, suggest } from './intent.js';

const CATEGORY_TITLES: Record<Exclude<CommandCategory, 'help'>, string> = {
  missions: 'Missions',
  control: 'Control',
  PRs: 'Pull requests',
};

export function helpText(topic: string, commands: readonly Command[]): string {
  if (topic.trim()) {
    const command = findCommand(topic.trim(), commands);
    if (!command) {
      const guess = suggest(topic.trim().replace(/^\//, ''), commands);
      return `no command ${topic.trim()}${guess ? ` — did you mean ${guess}?` : ''}`;
    }
    return `${command.usage} — ${command.summary}${command.aliases.length ? `\naliases: ${command.aliases.map((a) => `/${a}`).join(', ')}` : ''}`;
  }
  const lines: string[] = [];
  for (const [category, title] of Object.entries(CATEGORY_TITLES)) {
    lines.push(`${title}:`);
    for (const c of commands.filter((x) => x.category === category)) {
      lines.push(
        `  ${c.usage}${c.aliases.length ? ` (${c.aliases.map((a) => `/${a}`).join(', ')})` : ''} — ${c.summary}`,
      );
    }
  }
  lines.push(
    '',
    `Plain text starting with "mission:" or a verb (${MISSION_VERBS.slice(0, 4).join(', ')}, …) becomes a mission; anything else goes to chat.`,
  );
  return lines.join('\n');
}

/** A command in a few words: its brief, else its summary up to the first clause. */
export function briefOf(command: Command): string {
  if (command.brief) return command.brief;
  const clause = command.summary.split(/ \(|; |: | — /)[0] ?? command.summary;
  return clause.length <= 60 ? clause : `${clause.slice(0, 59).replace(/\s+\S*$/, '')}…`;
}

/** The provider's command menu (Telegram's setMyCommands), from the same table as /help. */
export function commandMenu(commands: readonly Command[]): MenuCommand[] {
  return commands.map((c) => ({ command: c.name, description: briefOf(c) }));
}
