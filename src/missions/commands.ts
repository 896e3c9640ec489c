// The mission commands, once: /rebase, /review, /ci_check, /implement, /fix. The mission text
// parser, the bridge's chat commands and /help, and GitHub mentions all read this table, so a
// command added here is recognised everywhere. Anything that is not a command is a free mission.
import type { MissionKind } from '../contracts/index.js';

/** Every mission kind except `free` is a command named after its kind. */
export type CommandKind = Exclude<MissionKind, 'free'>;

/**
 * What a command's URL points at. `pr`: a pull request only (a mention on an issue is refused);
 * `issue`: an issue, or a pull request.
 */
export type CommandTarget = 'pr' | 'issue';

export interface MissionCommand {
  /** The kind of the mission it queues; also the command word (`/ci_check`). */
  kind: CommandKind;
  /** Other words for it in chat (`/ci`); mission text and mentions take the kind only. */
  aliases: readonly string[];
  target: CommandTarget;
  /** One line for /help. */
  summary: string;
}

// Keyed by kind, so the compiler refuses a MissionKind without its command; in /help order.
const BY_KIND: { readonly [K in CommandKind]: MissionCommand & { kind: K } } = {
  rebase: {
    kind: 'rebase',
    aliases: [],
    target: 'pr',
    summary: 'rebase a pull request of roshi on its base branch and push',
  },
  review: {
    kind: 'review',
    aliases: [],
    target: 'pr',
    summary: 'review a pull request and report findings (no code change)',
  },
  ci_check: {
    kind: 'ci_check',
    aliases: ['ci', 'cicheck', 'ci-check'],
    target: 'pr',
    summary: 'look at the failing CI of a pull request and fix it',
  },
  implement: { kind: 'implement', aliases: [], target: 'issue', summary: 'implement an issue in a new pull request' },
  fix: { kind: 'fix', aliases: [], target: 'issue', summary: 'fix a bug reported in an issue, in a new pull request' },
};

/** The table, in the order /help and mention replies list it. */
export const MISSION_COMMANDS: readonly MissionCommand[] = Object.values(BY_KIND);

/** The command a word names (`rebase`, `REBASE`), by kind only; undefined for any other word. */
export function missionCommandNamed(
  word: string,
  commands: readonly MissionCommand[] = MISSION_COMMANDS,
): MissionCommand | undefined {
  const kind = word.toLowerCase();
  return commands.find((c) => c.kind === kind);
}

/** "<pr>" or "<issue>", as a usage line shows the argument. */
export function targetPlaceholder(command: MissionCommand): string {
  return command.target === 'pr' ? '<pr>' : '<issue>';
}
