// What the post-mission pipeline takes, reports and returns (docs/missions.md#post-mission-pipeline).
// Report conventions: `skipped: true, ok: true` is "nothing to do by design" (gate off, nothing
// to push, no token); `skipped: true, ok: false` is "could not run" and stays visible (circuit
// open, push skipped because the commit failed). Every skipped detail starts with "skipped:".
import type { GitHubClient } from '../adapters/github/index.js';
import type { Logger } from '../log.js';
import type { ApprovalMode, Mission, StepReport, TokenUsage } from '../contracts/index.js';
import type { ApprovalRequest } from '../missions/approval.js';
import type { PipelineBreakers } from './breakers.js';
import type { GateOutcome, GateSettings } from './gates.js';

/** The parts of projects.<name> the pipeline needs. */
export interface PipelineProject {
  name: string;
  baseBranch: string;
  /** The remote holding the base branch. */
  remote: string;
  /** Where the branch is pushed (a fork); '' or undefined → `remote`. */
  pushRemote?: string;
  /** 'owner/name' the PR is opened on; '' or undefined → derived from the remote's URL. */
  githubRepo?: string;
  qualityGate: GateSettings;
  lint: GateSettings;
}

export interface GitAuthor {
  authorName: string;
  authorEmail: string;
}

/** What the agent run cost, for the usage record. */
export interface AgentUsage {
  costUsd?: number;
  tokens?: TokenUsage;
  durationMs?: number;
  model?: string;
}

/** One line of <stateDir>/usage.jsonl. */
export interface UsageEntry {
  at: string;
  missionId: string;
  project: string;
  kind: string;
  branch: string;
  prUrl?: string;
  costUsd?: number;
  tokens?: TokenUsage;
  durationMs?: number;
  model?: string;
}

/** The journal's record of one pipeline run. */
export interface JournalEntry {
  at: string;
  type: 'mission.pipeline';
  missionId: string;
  project: string;
  kind: string;
  text: string;
  branch: string;
  prUrl?: string;
  pushed: boolean;
  gate: GateOutcome;
  ok: boolean;
  /** The steps up to and including usage (the journal cannot report itself). */
  steps: StepReport[];
}

export interface PipelineInput {
  mission: Pick<Mission, 'id' | 'text' | 'kind' | 'project'> & { url?: string };
  worktree: string;
  branch: string;
  project: PipelineProject;
  git: GitAuthor;
  /** undefined when github.tokenEnv names an unset variable. */
  github: GitHubClient | undefined;
  /** The name of the token variable (github.tokenEnv), for the "no token" message. */
  githubTokenEnv: string;
  /** agent.passEnv and agent.env: the gates get the agent's environment (none when absent). */
  agentEnv?: { passEnv: readonly string[]; env: Readonly<Record<string, string>> };
  /** Web host of a GitHub Enterprise server (githubHostFromApiUrl(github.apiUrl)). */
  githubHost?: string;
  /** The agent's own summary, for the PR body. */
  summary?: string;
  usage?: AgentUsage;
  /** The approval gate this run stops at (docs/missions.md#approval); none/absent: no stop. */
  approval?: ApprovalMode;
  /** /rebase of our own branch: replace the remote branch if it is still what we fetched. */
  force?: 'with-lease';
  draft?: boolean;
  breakers: PipelineBreakers;
  /** The caller appends it to <stateDir>/usage.jsonl. */
  recordUsage: (entry: UsageEntry) => void | Promise<void>;
  journal: (entry: JournalEntry) => void | Promise<void>;
  /** The caller sends it with how the mission ended (the runner: missions/notice.ts). */
  notify: (text: string) => void | Promise<void>;
  logger: Logger;
  now: () => number;
  /** Per gate command (default 15 min). */
  gateTimeoutMs?: number;
  /** Per fire-and-forget sink call (default 10 s); a sink that hangs counts as a failure. */
  sinkTimeoutMs?: number;
}

export interface PipelineResult {
  steps: StepReport[];
  branch: string;
  prUrl?: string;
  /** A push happened in this run. */
  pushed: boolean;
  /** Quality and lint combined: broken > failed > passed; off only when both are off. */
  gate: GateOutcome;
  /**
   * False when the mission should not count as done: commit, push or PR creation failed, or a
   * strict (or unknown-mode) gate failed or is broken. Fire-and-forget steps never change it.
   */
  ok: boolean;
  /** HEAD after the commit step. */
  commit?: string;
  /** The run stopped at its approval gate and asks this (docs/missions.md#approval). */
  awaitingApproval?: ApprovalRequest;
}

export const STEP = {
  commit: 'commit',
  push: 'push',
  pr: 'pr',
  quality: 'quality-gate',
  lint: 'lint',
  usage: 'usage',
  journal: 'journal',
  notify: 'notify',
} as const;

export const DEFAULT_GATE_TIMEOUT_MS = 15 * 60_000;

/** Records a step's report; `failsMission` makes the pipeline's `ok` false. */
export type ReportStep = (report: StepReport, failsMission?: boolean) => StepReport;

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
