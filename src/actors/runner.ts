// The runner actor: hosts the runner machine and gives it hands — the mission store (claim,
// lease, finish), git worktrees, the agent CLI, and the post-mission pipeline. Progress of the
// running agent is published on <prefix>.runner.<name>.progress; notifications go to the
// durable outbox. A cancel or a lost lease reaches the machine at once and kills the agent.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fromCallback, fromPromise, type AnyActorRef } from 'xstate';
import { runnerMachine, type AgentOutcome } from '../../machines/runner.js';
import { scrubJson } from '../secrets/scrubber.js';
import {
  AGENT_OF_ENV,
  agentCommand,
  agentMarker,
  createClaudeAdapter,
  killOrphanedAgents,
  pruneRunLogs,
  resolveEffort,
  resolveModel,
  runLogPath,
  type AgentProgress,
  type AgentRunResult,
} from '../adapters/agent/index.js';
import { ensureRepo, githubHostFromApiUrl, prepareWorktree, removeWorktree } from '../adapters/git.js';
import { createGitHub } from '../adapters/github/index.js';
import { JsonKv, publishDurable } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import { LeaseLostError } from '../missions/errors.js';
import { isPausedAt, PAUSE_KEY, readPause, type PauseRecord } from '../missions/pause.js';
import type { Mission } from '../contracts/index.js';
import { missionSettings } from '../missions/settings.js';
import { failureNotice, missionOutcome, type AttemptOutcome, type PipelineOutcome } from '../missions/outcome.js';
import { MissionStore } from '../missions/store.js';
import { statePaths } from '../paths.js';
import { createPipelineBreakers, breakerStatus, repoOfRemote, runPipeline } from '../runner/pipeline.js';
import { parsePullUrl } from '../adapters/github/pullUrl.js';
import { judgeOwnership, NotMyPullError, pullOfProject } from '../prPoller/ownership.js';
import { failingLogsForRebase } from '../prPoller/rebaseLogs.js';
import { promptFor } from '../runner/prompts.js';
import { missionBranch } from '../runner/slug.js';
import type { ActorKind } from './host.js';

/** What the runner keeps about the mission in hand between the machine's steps. */
interface Workspace {
  repo: string;
  worktree: string;
  branch: string;
  project: RoshiConfig['projects'][string] & { name: string };
}

const LIVE_LINES = 20;

export const runnerKind: ActorKind = {
  description: 'claims missions and runs the coding agent',
  create: async ({ name, config, bus, logger }) => {
    // Before anything else: an agent left by this runner's previous process must not keep working.
    const marker = agentMarker(config.prefix, config.stateDir, name);
    killOrphanedAgents(marker, logger);
    const store = await MissionStore.open(bus, missionSettings(config), { logger });
    const stateKv = await JsonKv.open(bus, bus.subjects.stateBucket);
    // Read now so the machine starts in the right state; the watch in start() follows changes.
    const initiallyPaused = isPausedAt(await readPause(stateKv), Date.now());
    const paths = statePaths(config.stateDir);
    const runLogDir = join(paths.runs, name);
    const agent = createClaudeAdapter({
      command: agentCommand(config.agent.command),
      logger,
      passEnv: config.agent.passEnv,
    });
    const token = process.env[config.github.tokenEnv];
    const github = token ? createGitHub({ apiUrl: config.github.apiUrl, token, logger }) : undefined;
    const breakers = createPipelineBreakers({ now: Date.now, logger });
    const workspaces = new Map<string, Workspace>();
    const live: AgentProgress[] = [];
    let current: Mission | undefined;

    const notify = (text: string, id: string) =>
      publishDurable(bus, bus.subjects.bridgeOut, { id, kind: 'notification', source: name, text, at: Date.now() }, id);

    const machine = runnerMachine.provide({
      actors: {
        claimMission: fromPromise(async ({ input }) => {
          const mission = await store.claim(input.runner);
          if (mission) {
            current = mission;
            live.length = 0;
            logger.info(
              { mission: mission.id, project: mission.project, kind: mission.kind, attempt: mission.attempts },
              'claimed',
            );
          }
          return mission;
        }),
        prepareWorkspace: fromPromise(async ({ input: { mission } }) => {
          const project = config.projects[mission.project];
          if (!project)
            throw new Error(
              `project ${JSON.stringify(mission.project)} is not configured (projects.${mission.project})`,
            );
          const repo = await ensureRepo({
            name: mission.project,
            path: project.path,
            url: project.url,
            workspace: config.workspace,
            remote: project.remote,
          });
          const branch = await branchFor(mission, repo, project);
          const prepared = await prepareWorktree({
            repo,
            workspace: config.workspace,
            missionId: mission.id,
            branch,
            baseBranch: project.baseBranch,
            remote: project.remote,
            pushRemote: project.pushRemote,
          });
          workspaces.set(mission.id, {
            repo,
            worktree: prepared.path,
            branch: prepared.branch,
            project: { ...project, name: mission.project },
          });
          return { worktree: prepared.path };
        }),
        runAgent: fromPromise(async ({ input: { mission, worktree }, signal }) => {
          const ws = workspaces.get(mission.id)!;
          const result = await runAgentFor(mission, ws, worktree, signal);
          return toOutcome(result);
        }),
        runPipeline: fromPromise(async ({ input: { mission, worktree, outcome } }) => {
          const ws = workspaces.get(mission.id)!;
          const details = outcome.details as AgentRunResult | undefined;
          return runPipeline({
            mission,
            worktree,
            branch: ws.branch,
            project: { ...ws.project, name: mission.project },
            git: { authorName: config.git.authorName, authorEmail: config.git.authorEmail },
            github,
            githubTokenEnv: config.github.tokenEnv,
            agentEnv: { passEnv: config.agent.passEnv, env: config.agent.env },
            ...(githubHostFromApiUrl(config.github.apiUrl)
              ? { githubHost: githubHostFromApiUrl(config.github.apiUrl)! }
              : {}),
            summary: outcome.summary,
            usage: {
              ...(details?.costUsd !== undefined ? { costUsd: details.costUsd } : {}),
              ...(details?.tokens ? { tokens: details.tokens } : {}),
              durationMs: details?.durationMs ?? 0,
            },
            ...(mission.kind === 'rebase' ? { force: 'with-lease' as const } : {}),
            breakers,
            recordUsage: (entry) => appendLine(join(paths.root, 'usage.jsonl'), entry),
            journal: (entry) => appendLine(paths.journal, entry),
            notify: (text) => notify(text, `mission-${mission.id}-${mission.attempts}`).then(() => undefined),
            logger,
            now: Date.now,
          });
        }),
        finishMission: fromPromise(async ({ input: { mission, outcome, pipeline } }) => {
          const ws = workspaces.get(mission.id);
          workspaces.delete(mission.id);
          current = undefined;
          // The branch lives on in the remote; the worktree would only block the next mission on it.
          if (ws)
            await removeWorktree(ws.repo, ws.worktree).catch((error: unknown) =>
              logger.warn({ err: error, worktree: ws.worktree }, 'worktree not removed'),
            );
          const finish = missionOutcome(outcome as AttemptOutcome, pipeline as PipelineOutcome, ws?.branch);
          const finished = await store.finish(mission.id, name, finish);
          logger.info(
            { mission: mission.id, outcome: finish.class, status: finished.status, error: finish.error },
            'mission finished',
          );
          const notice = failureNotice(finished, finish);
          if (notice) await notify(notice.text, notice.id).catch(() => undefined);
          void pruneRunLogs(runLogDir, {
            maxAgeMs: config.agent.runLogs.maxAge,
            maxCount: config.agent.runLogs.maxCount,
          }).catch(() => undefined);
        }),
        keepLease: fromCallback(({ input: { mission }, sendBack }) => {
          const timer = setInterval(() => {
            store.renew(mission.id, name).catch((error: unknown) => {
              if (error instanceof LeaseLostError)
                sendBack({ type: 'LEASE.LOST', id: mission.id, reason: error.reason });
              else logger.warn({ err: error, mission: mission.id }, 'lease renewal failed; will retry');
            });
          }, config.missions.leaseRenew);
          return () => clearInterval(timer);
        }),
      },
    });

    /**
     * A command on a pull request works on its head branch; anything else gets a branch of its
     * own. The PR must be of the mission's project's repository and roshi's own (prefixed branch
     * in that repository or an ownForks one); otherwise "not my PR", final.
     */
    async function branchFor(
      mission: Mission,
      repoPath: string,
      project: RoshiConfig['projects'][string],
    ): Promise<string> {
      if (!mission.url || !parsePullUrl(mission.url))
        return missionBranch(config.git.branchPrefix, mission.text, mission.id);
      const projectRepo =
        project.githubRepo ||
        ((await repoOfRemote(repoPath, project.remote, githubHostFromApiUrl(config.github.apiUrl))) ?? '');
      const pull = pullOfProject(mission.url, mission.project, projectRepo);
      if (!github)
        throw new Error(
          `${mission.kind} of ${mission.url} needs the pull request's branch, and there is no GitHub token (${config.github.tokenEnv})`,
        );
      const head = await github.pullRequestHead(pull.repo, pull.number);
      const ownership = judgeOwnership(
        { repo: pull.repo, headRef: head.ref, headRepo: head.headRepo },
        { branchPrefix: config.git.branchPrefix, ownForks: config.prPoller.ownForks },
      );
      if (!ownership.own) throw new NotMyPullError(`not my PR: ${mission.url}: ${ownership.reason}`);
      return head.ref;
    }

    /**
     * Before a rebased branch is pushed: if the PR's last CI run was failing, its logs go to the
     * agent so the same push fixes it. Best effort — no token or no logs is no context.
     */
    async function rebaseLogs(mission: Mission): Promise<string | undefined> {
      const pr = mission.url ? parsePullUrl(mission.url) : undefined;
      if (!pr || !github) return undefined;
      return failingLogsForRebase(github, pr.repo, pr.number, config.ci.logTailLines).catch((error: unknown) => {
        logger.warn({ err: error, mission: mission.id }, 'could not read the failing CI logs for the rebase');
        return undefined;
      });
    }

    async function runAgentFor(
      mission: Mission,
      ws: Workspace,
      worktree: string,
      signal: AbortSignal,
    ): Promise<AgentRunResult> {
      const project = ws.project;
      const role = config.agent.roles[mission.kind];
      const model = resolveModel([
        { level: 'project', value: project.model },
        { level: 'role', value: role?.model },
        { level: 'default', value: config.agent.model },
      ]);
      const effort = resolveEffort([
        { level: 'project', value: project.effort },
        { level: 'role', value: role?.effort },
        { level: 'default', value: config.agent.effort },
      ]);
      for (const r of [...model.rejected, ...effort.rejected])
        logger.warn({ mission: mission.id, ...r }, 'invalid agent setting skipped');
      const fallback = resolveModel([{ level: 'default', value: config.agent.fallbackModel }]);
      const ciLogs = mission.kind === 'rebase' ? await rebaseLogs(mission) : undefined;
      const prompt = promptFor(
        mission,
        {
          project: mission.project,
          branch: ws.branch,
          baseBranch: project.baseBranch,
          remote: project.remote,
          ...(ciLogs ? { ciLogs } : {}),
        },
        config.stateDir,
      );
      mkdirSync(runLogDir, { recursive: true });
      return agent.run({
        prompt,
        cwd: worktree,
        ...(model.value ? { model: model.value } : {}),
        ...(fallback.value ? { fallbackModel: fallback.value } : {}),
        ...(effort.value ? { effort: effort.value } : {}),
        maxTurns: config.agent.maxTurns,
        allowedTools: config.agent.allowedTools,
        env: { ...config.agent.env, [AGENT_OF_ENV]: marker },
        idleTimeoutMs: config.agent.idleTimeout,
        timeoutMs: config.agent.timeout,
        killGraceMs: config.agent.killGrace,
        logFile: runLogPath(runLogDir, mission.id),
        signal,
        onProgress: (progress) => {
          live.push(progress);
          if (live.length > LIVE_LINES) live.shift();
          bus.publish(bus.subjects.runnerProgress(name), { runner: name, missionId: mission.id, ...progress });
        },
      });
    }

    const unsubscribers: Array<() => void> = [];
    // The actor the host created from the machine, for the control verbs.
    let runnerActorRef: AnyActorRef | undefined;
    return {
      machine,
      input: {
        name,
        pollIntervalMs: config.runner.pollInterval,
        startPaused: initiallyPaused,
        breaker: {
          maxConsecutiveFailures: config.runner.breaker.maxConsecutiveFailures,
          openForMs: config.runner.breaker.openFor,
        },
        now: Date.now(),
      },
      start: async (actor) => {
        runnerActorRef = actor;
        // The pause record first: no claim may slip in before the runner knows it is paused.
        const watch = await stateKv.watch<PauseRecord>(
          {
            onChange: (change) => {
              const record = change.operation === 'put' ? change.value : undefined;
              const paused = record ? isPausedAt(record, Date.now()) : false;
              actor.send(
                paused
                  ? { type: 'DISPATCH.PAUSED', ...(record?.until ? { until: record.until } : {}) }
                  : { type: 'DISPATCH.RESUMED' },
              );
            },
          },
          { key: PAUSE_KEY },
        );
        await watch.initialized;
        unsubscribers.push(() => watch.stop());
        // The store's own index is the trigger, not missions.events: a claim reads that index,
        // and an event can arrive before the index has the mission (the claim would find nothing).
        unsubscribers.push(
          store.onChange((id, mission) => {
            if (mission?.status === 'pending') actor.send({ type: 'MISSION.AVAILABLE' });
            else if (mission?.status === 'cancelled' && id === current?.id)
              actor.send({ type: 'MISSION.CANCELLED', id });
          }),
        );
      },
      stop: () => {
        for (const unsubscribe of unsubscribers) unsubscribe();
        breakers.stop();
        store.close();
      },
      drainEvent: { type: 'DRAIN' },
      control: {
        // A runner mid-mission restarts after it: the supervisor is told to wait (deferred).
        restart: () => {
          const busy = current !== undefined;
          runnerActorRef?.send({ type: 'DRAIN' });
          return { accepted: true, pid: process.pid, deferred: busy };
        },
        abort: (payload) => {
          const mission = current;
          if (!mission) return { aborted: false, reason: 'no mission running' };
          runnerActorRef?.send({
            type: 'ABORT',
            reason: typeof payload.reason === 'string' ? payload.reason : 'operator',
          });
          return { aborted: true, mission: mission.id };
        },
        live: () => ({ runner: name, mission: current ?? null, progress: live }),
        breakers: () => breakerStatus(breakers),
      },
    };
  },
};

function toOutcome(result: AgentRunResult): AgentOutcome {
  return {
    outcome: result.outcome,
    at: Date.now(),
    summary: result.summary,
    ...(result.error ? { error: result.error } : {}),
    ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
    details: result,
  };
}

function appendLine(file: string, entry: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, scrubJson(JSON.stringify(entry)) + '\n');
}
