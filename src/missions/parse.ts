// Mission text intake: what a person typed in chat, on the command line or under Pending in
// missions.md, turned into project, kind, target URL and text.
//
//   [project:app] /rebase https://github.com/o/r/pull/42   → app, rebase, that URL
//   fix the flaky login test                                → the default project, free text
//
// The commands of src/missions/commands.ts (/rebase, /fix, …) need exactly one http(s) URL; any
// other text, including an unknown /word or a chat alias such as /ci, is a free mission.
import type { MissionKind } from '../contracts/index.js';
import { MISSION_COMMANDS, missionCommandNamed, type MissionCommand } from './commands.js';
import { InvalidMissionError, UnknownProjectError } from './errors.js';

export interface ParsedMission {
  project: string;
  kind: MissionKind;
  /** The command's target; only for command kinds. */
  url?: string;
  /** The text without the [project:x] tag, whitespace trimmed. */
  text: string;
}

/** What project resolution needs from the configuration. */
export interface ProjectChoice {
  /** Configured project names. */
  names: readonly string[];
  /** "" when none is configured. */
  defaultProject: string;
}

const TAG = /^\[project:([^\]\s]*)\]\s*/i;
const COMMAND = /^\/([a-z_]+)(?=\s|$)/i;
const URL_TOKEN = /https?:\/\/[^\s<>"']+/gi;

/** Splits a leading `[project:x]` tag from the text. */
export function splitProjectTag(input: string): { tag?: string; rest: string } {
  const trimmed = input.trim();
  const match = TAG.exec(trimmed);
  if (!match) return { rest: trimmed };
  return { tag: match[1] ?? '', rest: trimmed.slice(match[0].length).trim() };
}

/** The command kind a text starts with (`/rebase …` → rebase), or undefined for free text. */
export function commandKindOf(
  text: string,
  commands: readonly MissionCommand[] = MISSION_COMMANDS,
): MissionKind | undefined {
  return commandOf(text, commands)?.kind;
}

function commandOf(text: string, commands: readonly MissionCommand[]): MissionCommand | undefined {
  const word = COMMAND.exec(text.trim())?.[1];
  return word === undefined ? undefined : missionCommandNamed(word, commands);
}

/**
 * Parses mission text. `project` is an explicit choice made outside the text (a --project
 * flag, a chat's bound project); it must agree with a tag in the text when both are given.
 */
export function parseMissionText(
  input: string,
  choice: ProjectChoice,
  project?: string,
  commands: readonly MissionCommand[] = MISSION_COMMANDS,
): ParsedMission {
  const { tag, rest } = splitProjectTag(input);
  if (tag !== undefined && tag === '')
    throw new InvalidMissionError('the [project:] tag names no project; write [project:<name>]');
  if (rest === '') throw new InvalidMissionError('the mission text is empty');
  if (tag !== undefined && project !== undefined && project !== '' && tag !== project) {
    throw new InvalidMissionError(
      `the text says [project:${tag}] but the project was given as ${JSON.stringify(project)}; pick one`,
    );
  }
  const resolved = resolveProject(tag ?? (project || undefined), choice);
  const found = commandOf(rest, commands);
  if (!found) return { project: resolved, kind: 'free', text: rest };
  const kind = found.kind;
  const urls = rest.match(URL_TOKEN) ?? [];
  const command = `/${kind}`;
  if (urls.length === 0) {
    const [target, example] =
      found.target === 'issue' ? ['an issue (or a pull request)', 'issues/7'] : ['a pull request', 'pull/42'];
    throw new InvalidMissionError(
      `${command} needs the URL of ${target}, e.g. ${command} https://github.com/owner/repo/${example}`,
    );
  }
  if (urls.length > 1) {
    throw new InvalidMissionError(
      `${command} takes one URL, got ${urls.length}: ${urls.join(', ')}; send one mission per URL`,
    );
  }
  return { project: resolved, kind, url: trimUrl(urls[0] as string), text: rest };
}

/** Explicit name, else the default project, else the only project; an error names the choices. */
export function resolveProject(explicit: string | undefined, choice: ProjectChoice): string {
  const names = choice.names;
  if (explicit !== undefined) {
    if (names.includes(explicit)) return explicit;
    throw new UnknownProjectError(
      names.length === 0
        ? `unknown project ${JSON.stringify(explicit)}: no projects are configured (add one under projects: in the config)`
        : `unknown project ${JSON.stringify(explicit)}; configured: ${names.join(', ')}`,
    );
  }
  if (choice.defaultProject !== '') return resolveProject(choice.defaultProject, choice);
  if (names.length === 1) return names[0] as string;
  if (names.length === 0)
    throw new UnknownProjectError('no projects are configured: add one under projects: in the config');
  throw new UnknownProjectError(
    `which project? Tag the mission with [project:<name>] (or set defaultProject); configured: ${names.join(', ')}`,
  );
}

/**
 * The URL as compared for de-duplication: no trailing punctuation a sentence put there, no
 * fragment, no trailing slash, host in lower case.
 */
export function normalizeUrl(url: string): string {
  try {
    const parsed = new URL(trimUrl(url));
    parsed.hash = '';
    const text = parsed.toString();
    return text.endsWith('/') ? text.slice(0, -1) : text;
  } catch {
    return url;
  }
}

/** Strips punctuation that ends a sentence rather than the URL (`…/pull/42.` or `(…/pull/42)`). */
function trimUrl(url: string): string {
  return url.replace(/[.,;:!?)\]]+$/, '');
}
