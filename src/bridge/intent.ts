// What a chat line asks for: a command (`/cmd args`, by name or alias), a typo of one (with
// "did you mean"), a mission in plain words, or conversation for chat.
import { nearest } from '../text/suggest.js';
import type { Command } from './command.js';

/** `/cmd args` (also `/cmd@botname args`, as Telegram sends in groups) → name and args. */
export function parseCommand(text: string): { name: string; args: string } | undefined {
  const match = /^\/([A-Za-z][\w-]*)(?:@[\w.]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  return { name: match[1]!.toLowerCase(), args: (match[2] ?? '').trim() };
}

/** First words that make plain text a mission ("fix the flaky login test"). */
export const MISSION_VERBS = [
  'fix',
  'add',
  'implement',
  'refactor',
  'write',
  'update',
  'remove',
  'rename',
  'make',
  'create',
  'build',
] as const;

/**
 * The mission in plain text, or undefined when it reads as conversation: "mission: <text>", or
 * a text of at least two words whose first word (after an optional [project:x] tag) is one of
 * MISSION_VERBS. A question (ending in "?") is conversation even when it starts with a verb.
 */
export function missionFromText(text: string): string | undefined {
  const trimmed = text.trim();
  const explicit = /^mission:\s*([\s\S]*)$/i.exec(trimmed);
  if (explicit) return explicit[1]!.trim() || undefined;
  if (trimmed.endsWith('?')) return undefined;
  const body = trimmed.replace(/^\[project:[^\]\s]*\]\s*/i, '');
  const words = body.split(/\s+/).filter(Boolean);
  if (words.length < 2) return undefined;
  const first = words[0]!.toLowerCase().replace(/[,:;.!]+$/, '');
  return (MISSION_VERBS as readonly string[]).includes(first) ? trimmed : undefined;
}

/** Leading options of /mission and the PR commands: --now, project:x or [project:x]. */
export function missionOptions(args: string): { text: string; project?: string; now: boolean } {
  const tokens = args.split(/\s+/).filter(Boolean);
  let project: string | undefined;
  let now = false;
  while (tokens.length > 0) {
    const token = tokens[0]!;
    if (token === '--now' || token === '-n') now = true;
    else if (/^project:[^\s\]]+$/i.test(token)) project = token.slice('project:'.length);
    else if (/^\[project:[^\s\]]+\]$/i.test(token)) project = token.slice('[project:'.length, -1);
    else break;
    tokens.shift();
  }
  // Keep the text's own spacing (and line breaks) after the options.
  let text = args.trim();
  const consumed = args.trim().split(/\s+/).length - tokens.length;
  for (let i = 0; i < consumed; i++) text = text.replace(/^\S+\s*/, '');
  return { text, ...(project ? { project } : {}), now };
}

export type Intent =
  | { type: 'command'; name: string; args: string; command: Command }
  | { type: 'unknown'; name: string; suggestion?: string }
  | { type: 'mission'; text: string }
  | { type: 'chat'; text: string };

export function classify(text: string, commands: readonly Command[]): Intent {
  const parsed = parseCommand(text);
  if (parsed) {
    const command = findCommand(parsed.name, commands);
    if (command) return { type: 'command', name: parsed.name, args: parsed.args, command };
    const suggestion = suggest(parsed.name, commands);
    return { type: 'unknown', name: parsed.name, ...(suggestion ? { suggestion } : {}) };
  }
  const mission = missionFromText(text);
  if (mission !== undefined) return { type: 'mission', text: mission };
  return { type: 'chat', text: text.trim() };
}

export function findCommand(name: string, commands: readonly Command[]): Command | undefined {
  const n = name.toLowerCase().replace(/^\//, '');
  return commands.find((c) => c.name === n || c.aliases.includes(n));
}

/**
 * The command a typo most likely meant, or undefined when none is close: the start of a command
 * ("/stat" → /status, at least 3 letters), else the nearest name or alias by edit distance (at
 * most 2 edits and fewer than half the word, so "/x" does not become "/m").
 */
export function suggest(name: string, commands: readonly Command[]): string | undefined {
  const n = name.toLowerCase();
  if (n.length >= 3) {
    const prefixed = commands.filter((c) => c.name.startsWith(n)).sort((a, b) => a.name.length - b.name.length)[0];
    if (prefixed) return `/${prefixed.name}`;
  }
  const names = commands.flatMap((c) => [c.name, ...c.aliases]);
  const best = nearest(n, names, (candidate) => Math.min(2, Math.floor(Math.max(n.length, candidate.length) / 2)));
  return best === undefined ? undefined : `/${findCommand(best, commands)!.name}`;
}
