// /help: a compact page that fits a phone screen (the commands marked primary, in a few words),
// `/help <topic>` for one category (missions, control, prs) or `/help all`, and `/help <command>`
// for one command's usage. The provider's command menu comes from the same table.
// See docs/chat.md#commands.
import type { MenuCommand } from '../adapters/messaging/types.js';
import type { Command, CommandCategory } from './command.js';
import { findCommand, MISSION_VERBS, suggest } from './intent.js';

const CATEGORY_TITLES: Record<Exclude<CommandCategory, 'help'>, string> = {
  missions: 'Missions',
  control: 'Control',
  PRs: 'Pull requests',
};

type Topic = keyof typeof CATEGORY_TITLES;
const TOPICS = Object.keys(CATEGORY_TITLES) as Topic[];
/** The word a topic is asked by: "/help prs". */
const topicWord = (topic: Topic) => topic.toLowerCase();

export function helpText(topic: string, commands: readonly Command[]): string {
  const asked = topic.trim().replace(/^\//, '').toLowerCase();
  if (!asked) return compactHelp(commands);
  if (asked === 'all') return TOPICS.flatMap((t) => topicHelp(t, commands)).join('\n') + `\n\n${plainTextLine()}`;
  const category = TOPICS.find((t) => topicWord(t) === asked || (t === 'PRs' && asked === 'pr'));
  if (category) return topicHelp(category, commands).join('\n');
  const command = findCommand(asked, commands);
  if (!command) {
    const guess = suggest(asked, commands);
    return `no command or topic ${topic.trim()}${guess ? ` — did you mean ${guess}?` : ''} (topics: ${topicList()})`;
  }
  return `${command.usage} — ${command.summary}${command.aliases.length ? `\naliases: ${command.aliases.map((a) => `/${a}`).join(', ')}` : ''}`;
}

/** The page /help shows: one short line per primary command, then where the rest is. */
function compactHelp(commands: readonly Command[]): string {
  const primary = commands.filter((c) => c.primary);
  return [
    'roshi — the commands you need most:',
    ...primary.map((c) => `/${c.name} — ${briefOf(c)}`),
    `More: /help ${topicList()} · all`,
    '/help <command> — its usage',
    'Plain text: "fix …", "add …" → a mission; anything else → chat.',
  ].join('\n');
}

function topicHelp(topic: Topic, commands: readonly Command[]): string[] {
  return [
    `${CATEGORY_TITLES[topic]}:`,
    ...commands
      .filter((c) => c.category === topic)
      .map(
        (c) => `  ${c.usage}${c.aliases.length ? ` (${c.aliases.map((a) => `/${a}`).join(', ')})` : ''} — ${c.summary}`,
      ),
  ];
}

const topicList = () => TOPICS.map(topicWord).join(' · ');

function plainTextLine(): string {
  return `Plain text starting with "mission:" or a verb (${MISSION_VERBS.slice(0, 3).join(', ')}, …) becomes a mission; anything else goes to chat.`;
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
