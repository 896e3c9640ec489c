// /help: every command by category with its aliases, or the usage of one command.
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
