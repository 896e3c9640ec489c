// The post-mission pipeline: what happens after the agent finished in its worktree. Every step
// is reported (StepReport), in this order:
//
//   commit     git add -A, commit leftovers (author/committer from config)
//   push       skipped "nothing to push" when HEAD has no commits the remote lacks
//   pr         ensure the PR exists (idempotent); skipped without a token or a GitHub repo
//   quality    quality gate: configured commands, strict | warn | off
//   lint       lint gate, same rules
//   usage      usage and cost record      ┐ fire-and-forget: each behind its own circuit
//   journal    journal entry              │ breaker kept for the process lifetime; an open
//   notify     notification               ┘ breaker skips the step and says so
//
// Report conventions: `skipped: true, ok: true` is "nothing to do by design" (gate off, nothing
// to push, no token); `skipped: true, ok: false` is "could not run", a problem that stays
// visible (circuit open, push skipped because the commit failed). Every skipped detail starts
// with "skipped:".
//
// Gates fail closed. A gate that cannot run at all — an unknown mode, no commands, a command
// not found (exit 127) or not executable (126) — is 'broken': its step is reported failed and
// the overall gate is 'broken', never 'passed' (auto-merge must never follow from a broken
// configuration). An unknown mode is treated as strict (the mission fails); in warn mode a
// broken command is reported failed but the mission stays successful, as warn promises.
//
// `ok` in the result is false when the mission should not count as done: commit, push or PR
// creation failed, or a strict (or unknown-mode) gate failed or is broken. Fire-and-forget
// steps never change it.
import {
  commitLeftovers,
  commitsAhead,
  githubRepoFromRemote,
  push,
  PushRejectedError,
  remoteBranchExists,
  remoteUrl,
} from '../adapters/git.js';
import { escapeMentions, type GitHubClient } from '../adapters/github/index.js';
import type { Logger } from '../log.js';
import { oneLine } from '../text/oneLine.js';
import type { Mission, StepReport, TokenUsage } from '../contracts/index.js';
import { guarded, type FireAndForgetStep, type PipelineBreakers } from './breakers.js';
import { combineGates, gateEnv, runGate, type GateOutcome, type GateSettings } from './gates.js';

export {
  breakerStatus,
  createPipelineBreakers,
  DEFAULT_SINK_TIMEOUT_MS,
  FIRE_AND_FORGET,
  type BreakerStatusRow,
  type FireAndForgetStep,
  type PipelineBreakers,
  type PipelineBreakersOptions,
} from './breakers.js';

export { combineGates, GATE_MODES, runGate, type GateMode, type GateOutcome, type GateSettings } from './gates.js';

// ─── settings ────────────────────────────────────────────────────────────────────────────────

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
  /** /rebase of our own branch: replace the remote branch if it is still what we fetched. */
  force?: 'with-lease';
  draft?: boolean;
  breakers: PipelineBreakers;
  /** The caller appends it to <stateDir>/usage.jsonl. */
  recordUsage: (entry: UsageEntry) => void | Promise<void>;
  journal: (entry: JournalEntry) => void | Promise<void>;
  /** The caller publishes it on the durable outbox. */
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
  /** False when the mission should not count as done (see the file header). */
  ok: boolean;
  /** HEAD after the commit step. */
  commit?: string;
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

// ─── the pipeline ────────────────────────────────────────────────────────────────────────────

/** The mission text as a commit or PR title: one line, at most 60 characters. */
export function titleLine(text: string): string {
  return oneLine(text, 60);
}

export function commitMessage(mission: PipelineInput['mission'], project: string): string {
  return escapeMentions(
    `roshi: ${titleLine(mission.text)}\n\nMission ${mission.id} (${mission.kind}, project ${project})\n`,
  );
}

export function pullRequestBody(input: Pick<PipelineInput, 'mission' | 'project' | 'summary'>): string {
  const { mission } = input;
  const parts = [mission.text.trim()];
  if (input.summary?.trim()) parts.push(`## Summary\n\n${input.summary.trim()}`);
  const target = mission.url ? `, target ${mission.url}` : '';
  parts.push(
    `---\nMission \`${mission.id}\` (${mission.kind}, project ${input.project.name}${target}). Opened by roshi.`,
  );
  return parts.join('\n\n');
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const log = input.logger.child({ component: 'pipeline', mission: input.mission.id });
  const { project, worktree, branch } = input;
  const pushRemote = project.pushRemote || project.remote;
  const baseRef = `${project.remote}/${project.baseBranch}`;
  const steps: StepReport[] = [];
  let missionFails = false;
  const report = (r: StepReport, failsMission = false): StepReport => {
    steps.push(r);
    if (failsMission) missionFails = true;
    const line = { step: r.step, ok: r.ok, skipped: r.skipped ?? false, detail: r.detail };
    if (r.ok) log.info(line, `pipeline ${r.step}: ${r.detail}`);
    else log.warn(line, `pipeline ${r.step}: ${r.detail}`);
    return r;
  };

  // commit
  let commit: string | undefined;
  let commitFailed = false;
  try {
    const c = await commitLeftovers(worktree, {
      message: commitMessage(input.mission, project.name),
      authorName: input.git.authorName,
      authorEmail: input.git.authorEmail,
    });
    commit = c.sha;
    report(
      c.committed
        ? { step: STEP.commit, ok: true, detail: `committed leftovers as ${c.sha.slice(0, 10)}` }
        : { step: STEP.commit, ok: true, skipped: true, detail: 'skipped: nothing left to commit' },
    );
  } catch (error) {
    commitFailed = true;
    report({ step: STEP.commit, ok: false, detail: `failed: ${errorText(error)}` }, true);
  }

  // push
  let pushed = false;
  let pushFailed = false;
  if (commitFailed) {
    pushFailed = true;
    report({ step: STEP.push, ok: false, skipped: true, detail: 'skipped: commit failed, nothing pushed' });
  } else {
    try {
      const onRemote = await remoteBranchExists(worktree, pushRemote, branch);
      const against = onRemote ? `${pushRemote}/${branch}` : baseRef;
      const ahead = await commitsAhead(worktree, against);
      if (ahead === 0) {
        report({
          step: STEP.push,
          ok: true,
          skipped: true,
          detail: `skipped: nothing to push (no commits ahead of ${against})`,
        });
      } else {
        await push(worktree, { remote: pushRemote, branch, ...(input.force ? { force: input.force } : {}) });
        pushed = true;
        const how = input.force ? 'force-pushed (with lease)' : 'pushed';
        report({
          step: STEP.push,
          ok: true,
          detail: `${how} ${ahead} commit${ahead === 1 ? '' : 's'} to ${pushRemote}/${branch}`,
        });
      }
    } catch (error) {
      pushFailed = true;
      const detail =
        error instanceof PushRejectedError
          ? input.force
            ? `failed: ${pushRemote} rejected the forced push of ${branch}: the remote branch moved since it was fetched (lease broken). ${error.stderrTail}`
            : `failed: ${pushRemote} rejected the push of ${branch}: the remote branch has commits we do not have (non-fast-forward); not forcing. ${error.stderrTail}`
          : `failed: ${errorText(error)}`;
      report({ step: STEP.push, ok: false, detail: detail.trim() }, true);
    }
  }

  // pr
  let prUrl: string | undefined;
  await (async () => {
    if (pushFailed) {
      report({ step: STEP.pr, ok: false, skipped: true, detail: 'skipped: the branch was not pushed' });
      return;
    }
    try {
      const hasWork =
        pushed ||
        ((await remoteBranchExists(worktree, pushRemote, branch)) &&
          (await commitsAhead(worktree, baseRef, `${pushRemote}/${branch}`)) > 0);
      if (!hasWork) {
        report({
          step: STEP.pr,
          ok: true,
          skipped: true,
          detail: `skipped: ${branch} has no commits ahead of ${baseRef}, no PR to open`,
        });
        return;
      }
      if (!input.github) {
        report({
          step: STEP.pr,
          ok: true,
          skipped: true,
          detail: `skipped: no GitHub token (${input.githubTokenEnv}): branch pushed, no PR opened`,
        });
        return;
      }
      const repos = await githubRepos(input, pushRemote);
      if (!repos.repo) {
        report({ step: STEP.pr, ok: false, skipped: true, detail: `skipped: ${repos.why}` });
        return;
      }
      const pr = await input.github.ensurePullRequest({
        repo: repos.repo,
        head: branch,
        ...(repos.headOwner ? { headOwner: repos.headOwner } : {}),
        base: project.baseBranch,
        title: `roshi: ${titleLine(input.mission.text)}`,
        body: pullRequestBody(input),
        ...(input.draft ? { draft: true } : {}),
      });
      prUrl = pr.url;
      report({ step: STEP.pr, ok: true, detail: pr.created ? `opened ${pr.url}` : `already open: ${pr.url}` });
    } catch (error) {
      report({ step: STEP.pr, ok: false, detail: `failed: ${errorText(error)}` }, true);
    }
  })();

  // gates
  const env = gateEnv(input.agentEnv ?? { passEnv: [], env: {} });
  const timeoutMs = input.gateTimeoutMs ?? DEFAULT_GATE_TIMEOUT_MS;
  const quality = await runGate(STEP.quality, project.qualityGate, worktree, env, timeoutMs, log);
  report(quality.report, quality.failsMission);
  const lint = await runGate(STEP.lint, project.lint, worktree, env, timeoutMs, log);
  report(lint.report, lint.failsMission);
  const gate = combineGates(quality.outcome, lint.outcome);
  const ok = !missionFails;

  // fire-and-forget
  const guard = (step: FireAndForgetStep, name: string, fn: () => void | Promise<void>, detail: string) =>
    guarded(input, step, name, fn, detail).then((r) => report(r));
  const at = new Date(input.now()).toISOString();
  const { mission } = input;
  const usage: UsageEntry = {
    at,
    missionId: mission.id,
    project: project.name,
    kind: mission.kind,
    branch,
    ...(prUrl ? { prUrl } : {}),
    ...(input.usage ?? {}),
  };
  await guard('usage', STEP.usage, () => input.recordUsage(usage), 'usage recorded');
  const entry: JournalEntry = {
    at,
    type: 'mission.pipeline',
    missionId: mission.id,
    project: project.name,
    kind: mission.kind,
    text: mission.text,
    branch,
    ...(prUrl ? { prUrl } : {}),
    pushed,
    gate,
    ok,
    steps: steps.map((s) => ({ ...s })),
  };
  await guard('journal', STEP.journal, () => input.journal(entry), 'journal entry written');
  const text = notification(input, { steps, prUrl, pushed, gate, ok });
  await guard('notify', STEP.notify, () => input.notify(text), 'notification sent');

  return { steps, branch, ...(prUrl ? { prUrl } : {}), pushed, gate, ok, ...(commit ? { commit } : {}) };
}

/** The repository a PR goes to, and the fork owner of the head when the branch lives in a fork. */
async function githubRepos(
  input: PipelineInput,
  pushRemote: string,
): Promise<{ repo?: string; headOwner?: string; why: string }> {
  const { project, worktree } = input;
  const baseUrl = await remoteUrl(worktree, project.remote);
  const repo = project.githubRepo || (await repoOfRemote(worktree, project.remote, input.githubHost));
  if (!repo) {
    return {
      why: `no GitHub repository for project ${project.name}: set projects.${project.name}.githubRepo (remote ${project.remote} is ${baseUrl ?? 'missing'})`,
    };
  }
  let headOwner: string | undefined;
  if (pushRemote !== project.remote) {
    const owner = (await repoOfRemote(worktree, pushRemote, input.githubHost))?.split('/')[0];
    if (owner && owner.toLowerCase() !== repo.split('/')[0]?.toLowerCase()) headOwner = owner;
  }
  return { repo, ...(headOwner ? { headOwner } : {}), why: '' };
}

/** 'owner/name' from a remote's URL, as git expands it (insteadOf) or as configured. */
export async function repoOfRemote(cwd: string, remote: string, host: string | undefined): Promise<string | undefined> {
  for (const raw of [false, true]) {
    const url = await remoteUrl(cwd, remote, { raw });
    const repo = url ? githubRepoFromRemote(url, host) : undefined;
    if (repo) return repo;
  }
  return undefined;
}

// ─── notification ────────────────────────────────────────────────────────────────────────────

/** One terse chat message: outcome, where the work is, the gate, and what failed. */
export function notification(
  input: Pick<PipelineInput, 'mission' | 'project' | 'branch'>,
  result: Pick<PipelineResult, 'steps' | 'prUrl' | 'pushed' | 'gate' | 'ok'>,
): string {
  const icon = result.ok ? (result.gate === 'failed' || result.gate === 'broken' ? '⚠️' : '✅') : '❌';
  const where = result.prUrl
    ? result.prUrl
    : result.pushed
      ? `branch ${input.branch} pushed, no PR`
      : `branch ${input.branch}, nothing pushed`;
  const problems = result.steps.filter((s) => !s.ok).map((s) => `${s.step}: ${s.detail.split('\n')[0] ?? ''}`);
  const lines = [
    `${icon} [project:${input.project.name}] ${titleLine(input.mission.text)} → ${where} · gate ${result.gate}`,
  ];
  if (problems.length > 0) lines.push(...problems.map((p) => `  ${p}`));
  return lines.join('\n');
}
