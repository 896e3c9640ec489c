// The runner actor: hosts the runner machine and gives it hands — the mission store (claim,
// lease, finish), git worktrees (runnerWorkspace.ts), the agent CLI (runnerAgentRun.ts) and the
// post-mission pipeline (runnerPipelineRun.ts). Agent progress goes on
// <prefix>.runner.<name>.progress, notifications to the durable outbox. A cancel or a lost lease
// reaches the machine at once (runnerTriggers.ts) and kills the agent.
import { join } from 'node:path';
import { fromCallback, fromPromise, type AnyActorRef } from 'xstate';
import { runnerMachine } from '../../machines/runner.js';
import { killOrphanedAgents, pruneRunLogs, type AgentProgress } from '../adapters/agent/index.js';
import { createGitHub } from '../adapters/github/index.js';
import { sendNotice } from '../missions/noticeDelivery.js';
import type { Mission } from '../contracts/index.js';
import { LeaseLostError } from '../missions/errors.js';
import { missionOutcome, type AttemptOutcome, type PipelineOutcome } from '../missions/outcome.js';
import { dispatchGate, holdAfterRateLimit, readHold } from '../missions/dispatchHold.js';
import { readPause } from '../missions/pause.js';
import { readDrain } from '../missions/hostDrain.js';
import { RUNNER_DRAIN_VERB, type DrainRecord, type RunnerDrainReply } from '../contracts/drain.js';
import { statePaths } from '../paths.js';
import { createPipelineBreakers } from '../runner/pipeline.js';
import { openAgentActor } from './agentActorBase.js';
import type { ActorKind } from './host.js';
import { runAgentFor, toOutcome } from './runnerAgentRun.js';
import { LeaseHold, leaseHoldMargin } from '../runner/leaseHold.js';
import { recordFinish } from './runnerFinish.js';
import { adoptFinishedRun, deliveredOutcome, rememberDelivery } from './runnerDelivery.js';
import { runnerBreakerRows } from '../runner/breakers.js';
import type { RunnerDeps, Workspace } from './runnerDeps.js';
import { pipelineFor } from './runnerPipelineRun.js';
import { watchRunnerTriggers } from './runnerTriggers.js';
import { MissionWorkspaces, missionHoldsBranchIn } from '../runner/workspace.js';
import { prepareWorkspace } from './runnerWorkspace.js';
import { letPredecessorFinish } from './predecessorAgent.js';

export const runnerKind: ActorKind = {
  description: 'claims missions and runs the coding agent',
  create: async (environment) => {
    const { name, config, bus, logger } = environment;
    // Before anything else: an agent left by this runner's previous process must not keep working.
    const {
      marker,
      missions: store,
      stateKv,
      agent,
    } = await openAgentActor(environment, () => current?.project, 'spare');
    // Read now so the machine starts in the right state; the watch in start() follows changes.
    // A drained host's runner starts held (docs/scale-out.md#add-and-drain-a-host).
    const hostDrain: { host: string; record?: DrainRecord } = { host: config.host.id };
    hostDrain.record = (await readDrain(stateKv, hostDrain.host))?.value;
    const initiallyPaused = dispatchGate(
      await readPause(stateKv),
      await readHold(stateKv),
      Date.now(),
      undefined,
      hostDrain.record !== undefined,
    ).paused;
    const token = process.env[config.github.tokenEnv];
    const deps: RunnerDeps = {
      name,
      config,
      bus,
      logger,
      store,
      agent,
      github: token ? createGitHub({ apiUrl: config.github.apiUrl, token, logger }) : undefined,
      marker,
      runLogDir: join(statePaths(config.stateDir).runs, name),
      streamDir: statePaths(config.stateDir).streams,
      breakers: createPipelineBreakers({ now: Date.now, logger }),
      live: [] as AgentProgress[],
    };
    const { breakers, live } = deps;
    // Tracks each set-up until it settles: a cancel mid set-up leaks no worktree (runner/workspace.ts).
    const workspaces = new MissionWorkspaces<Workspace>({
      workspace: config.workspace,
      missionHoldsBranch: missionHoldsBranchIn(store),
      logger,
    });
    let current: Mission | undefined;
    // An agent its previous process left working finishes before this one claims (predecessorAgent.ts).
    const stopping = new AbortController();
    const predecessor = letPredecessorFinish({
      marker,
      runner: name,
      store,
      streamDir: deps.streamDir,
      idleTimeoutMs: config.agent.idleTimeout,
      renewEveryMs: config.missions.leaseRenew,
      logger,
      signal: stopping.signal,
    }).catch((error: unknown) => {
      logger.warn({ err: error }, "could not wait for the previous process's agent; killing it");
      killOrphanedAgents(marker, logger);
    });
    // Projects whose day budget is reached: their missions wait in the queue (runnerTriggers.ts).
    const dayBudgets = { budgets: config.budgets.day, heldProjects: new Set<string>() };

    const machine = runnerMachine.provide({
      actors: {
        claimMission: fromPromise(async ({ input }) => {
          await predecessor;
          if (stopping.signal.aborted) return undefined; // drained while waiting: claim nothing
          // A claim whose write landed though its answer was lost leaves the mission to expire
          // after a lease and come back as a second attempt: the log says when that can be.
          const claimed = await store.claim(input.runner).catch((error: unknown) => {
            logger.warn({ err: error }, 'claim failed; trying again at the next poll');
            throw error;
          });
          // A run the previous attempt's agent finished while its runner was dead is not paid twice.
          const mission = claimed && (await adoptFinishedRun(store, claimed, name, deps.streamDir, logger));
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
        prepareWorkspace: fromPromise(async ({ input: { mission }, signal }) => {
          const ws = await workspaces
            .prepare(mission.id, () => prepareWorkspace(deps, mission), signal)
            .catch((error: unknown) => {
              logger.warn(
                { err: error, mission: mission.id, attempt: mission.attempts },
                'workspace not set up; this attempt ends without running the agent',
              );
              throw error;
            });
          return { worktree: ws.worktree };
        }),
        runAgent: fromPromise(async ({ input: { mission, worktree }, signal }) => {
          const ws = workspaces.get(mission.id)!;
          if (mission.delivery && ws.kept) {
            logger.info(
              { mission: mission.id, agentAttempt: mission.delivery.attempt },
              'delivering the work an earlier attempt finished; the agent does not run again',
            );
            return deliveredOutcome(mission.delivery, Date.now());
          }
          const outcome = toOutcome(await runAgentFor(deps, mission, ws, worktree, signal));
          if (outcome.outcome === 'success')
            await rememberDelivery(store, mission, name, outcome, logger, deps.streamDir);
          // Told by the API to wait: every runner waits, not only this one (dispatchHold.ts).
          if (outcome.outcome === 'transient' && outcome.retryAfterMs !== undefined)
            await holdAfterRateLimit(
              stateKv,
              name,
              { ...outcome, retryAfterMs: outcome.retryAfterMs },
              Date.now(),
              logger,
            );
          return outcome;
        }),
        runPipeline: fromPromise(async ({ input: { mission, worktree, outcome } }) =>
          pipelineFor(deps, mission, workspaces.get(mission.id)!, worktree, outcome),
        ),
        finishMission: fromPromise(async ({ input: { mission, outcome, pipeline } }) => {
          current = undefined;
          // Held for approval: the worktree keeps the committed work for the approved delivery.
          const held = (pipeline as { awaitingApproval?: { gate: string } } | undefined)?.awaitingApproval;
          const ws = await workspaces.settled(mission.id);
          const finish = missionOutcome(outcome as AttemptOutcome, pipeline as PipelineOutcome, ws?.branch);
          // The record first, the worktree after: a runner killed in between leaves the worktree,
          // so the next attempt delivers the remembered run instead of paying the agent again.
          // Not finished (lease lost, bus down): the worktree stays for whoever has the mission.
          const finished = await recordFinish(store, mission, name, finish, {
            logger,
            giveUpAfterMs: config.missions.lease,
          }).catch((error: unknown) => {
            workspaces.keep(mission.id);
            throw error;
          });
          if (held?.gate === 'push') workspaces.keep(mission.id);
          else await workspaces.release(mission.id);
          logger.info(
            {
              mission: mission.id,
              attempt: mission.attempts,
              outcome: finish.class,
              status: finished.status,
              error: finish.error,
            },
            'mission finished',
          );
          // Failing here leaves the notice on the record for the missions actor's sweep.
          await sendNotice(bus, store, finished, name).catch((error: unknown) =>
            logger.warn({ err: error, mission: mission.id }, 'notice not sent yet; the missions actor will'),
          );
          void pruneRunLogs(deps.runLogDir, {
            maxAgeMs: config.agent.runLogs.maxAge,
            maxCount: config.agent.runLogs.maxCount,
          }).catch(() => undefined);
        }),
        keepLease: fromCallback(({ input: { mission }, sendBack }) => {
          // Cut off from the bus past the lease's deadline, the mission is no longer ours (leaseHold.ts).
          const hold = new LeaseHold(
            mission.lease?.until ?? Date.now() + config.missions.lease,
            leaseHoldMargin({
              leaseMs: config.missions.lease,
              renewMs: config.missions.leaseRenew,
              killGraceMs: config.agent.killGrace,
            }),
          );
          let giveUp: NodeJS.Timeout | undefined;
          const watchDeadline = () => {
            clearTimeout(giveUp);
            giveUp = setTimeout(() => {
              logger.warn({ mission: mission.id }, 'lease not renewed before its deadline; stopping the mission');
              sendBack({ type: 'LEASE.LOST', id: mission.id, reason: hold.reason() });
            }, hold.msLeft(Date.now()));
          };
          watchDeadline();
          const timer = setInterval(() => {
            store.renew(mission.id, name).then(
              (renewed) => {
                hold.renewed(renewed.lease?.until ?? 0);
                watchDeadline();
              },
              (error: unknown) => {
                if (error instanceof LeaseLostError)
                  sendBack({ type: 'LEASE.LOST', id: mission.id, reason: error.reason });
                else logger.warn({ err: error, mission: mission.id }, 'lease renewal failed; will retry');
              },
            );
          }, config.missions.leaseRenew);
          return () => {
            clearInterval(timer);
            clearTimeout(giveUp);
          };
        }),
      },
    });

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
        // A drain (restart, shutdown) ends the wait for the previous process's agent at once.
        const drainWatch = actor.subscribe((snapshot: { context?: { drainRequested?: boolean } }) => {
          if (snapshot.context?.drainRequested) stopping.abort();
        });
        unsubscribers.push(() => drainWatch.unsubscribe());
        unsubscribers.push(...(await watchRunnerTriggers(actor, stateKv, store, () => current, dayBudgets, hostDrain)));
      },
      stop: () => {
        stopping.abort();
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
        breakers: () => runnerBreakerRows(breakers, runnerActorRef?.system.get('dispatchBreaker')),
        // The supervisor of a draining host asks until every runner is idle (src/supervisor/drain.ts).
        [RUNNER_DRAIN_VERB]: (): RunnerDrainReply => {
          const value = (runnerActorRef?.getSnapshot() as { value?: unknown } | undefined)?.value;
          const state = typeof value === 'string' ? value : value ? Object.keys(value)[0]! : 'starting';
          return { drainSeen: hostDrain.record !== undefined, state, mission: current?.id ?? null };
        },
      },
      inspectAlso: Object.fromEntries(Object.entries(breakers.actors).map(([step, b]) => [`pipeline.${step}`, b])),
    };
  },
};
