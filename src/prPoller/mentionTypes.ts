// What a mentions poll is given, keeps between polls and reports; the limits it works within.
// See docs/github-mentions.md#how-mentions-are-found.
import type { GitHubClient } from '../adapters/github/index.js';
import type { Logger } from '../log.js';
import type { Authorizer } from './permissions.js';

/** How far back the first poll (no cursor yet) looks. Older mentions are history, not commands. */
export const FIRST_POLL_LOOKBACK_MS = 24 * 60 * 60_000;
/** The cursor trails GitHub's clock by this much (late notification delivery). */
export const CURSOR_OVERLAP_MS = 5 * 60_000;
/** Failures of one comment before the operator is told and the comment left alone. */
export const MAX_MENTION_ATTEMPTS = 3;
/** An issue's text longer than this is cut in the mission context (the store caps a context at 16 000). */
export const MAX_ISSUE_TEXT = 12_000;

/**
 * What the caller keeps between polls (in memory; the 👍 marks on GitHub stay authoritative):
 * comments already handled (saves a reactions call on every overlapping poll) and failure counts.
 */
export interface MentionMemory {
  done: Set<string>;
  failures: Map<string, number>;
  /** Missions queued for comments whose 👍 could not be set yet: the retry only marks. */
  queued: Map<string, string>;
}

export function createMentionMemory(): MentionMemory {
  return { done: new Set(), failures: new Map(), queued: new Map() };
}

export interface MentionContext {
  github: GitHubClient;
  /** Registered repositories, owner/name (compared case-insensitively, as GitHub does). */
  repos: string[];
  /** The login roshi answers to; '' = the token's own login (GET /user, once per client). */
  botLogin: string;
  /** Logins allowed besides users with write, maintain or admin permission on the repository. */
  authorizedUsers: string[];
  /** git.branchPrefix: a PR is roshi's when its head branch starts with `<branchPrefix>/` … */
  branchPrefix: string;
  /** … and its head repository is the repository itself or one of these (prPoller.ownForks). */
  ownForks?: readonly string[];
  /** The permission lookup shared with review feedback; default one made from authorizedUsers for this poll. */
  authorizer?: Authorizer;
  /** ISO cursor from the previous poll's MentionResult.since; undefined on the first poll. */
  since: string | undefined;
  /** roshi.missions.add { text, source: 'github', by, context? }. */
  addMission: (text: string, by: string, context?: string) => Promise<{ id: string } | { refused: string }>;
  /** A message to the operator (chat). */
  notify: (text: string) => Promise<void>;
  /** Unregistered repositories already reported (lower case); updated in place. */
  reportedRepos: Set<string>;
  logger: Logger;
  now: () => number;
  /** Optional memory across polls (createMentionMemory()); without it nothing is remembered but the cursor. */
  memory?: MentionMemory;
}

export type MentionAction =
  /** A mission was queued. */
  | 'mission'
  /** The mission store refused (duplicate, invalid); the reason was posted as a reply. */
  | 'mission_refused'
  /** The author may not command roshi: ignored (no mission, no mark, no reply). */
  | 'unauthorised'
  /** A command on somebody else's PR: "not my PR". */
  | 'not_my_pr'
  /** A command on a closed or merged PR. */
  | 'pr_closed'
  /** rebase/review/ci_check on an issue. */
  | 'not_for_issues'
  /** `@bot <word>` at the start of a line with a word that is no command: usage posted. */
  | 'unknown_command'
  /** Failed MAX_MENTION_ATTEMPTS times; the operator was told. */
  | 'gave_up';

export interface MentionOutcome {
  repo: string;
  /** Issue or PR number. */
  number: number;
  commentId: number;
  /** The comment's web URL. */
  commentUrl: string;
  login: string;
  command?: string;
  action: MentionAction;
  missionId?: string;
  /** The mission text, or the refusal/failure reason. */
  detail?: string;
}

export interface MentionResult {
  /** The cursor to pass as `since` next time. */
  since: string;
  /** The login mentions were matched against (store it as botLogin to skip the lookup). */
  botLogin: string;
  /** Comments acted on this poll (each now carries the 👍, except those still failing). */
  outcomes: MentionOutcome[];
  /** Unregistered repositories reported to the operator this poll. */
  reported: string[];
  /** Comments or threads that failed this poll and will be retried. */
  failed: number;
}

/** GitHub compares logins case-insensitively. */
export const sameLogin = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
