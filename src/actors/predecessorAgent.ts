// A runner's previous process died (SIGKILL, or frozen and replaced) while its agent worked. The
// agent writes to its stream file, not to the runner, so it can finish on its own; killing it
// would pay for the run again (long chaos run 5). So the runner's next process keeps that
// mission's lease and lets the agent finish while its stream file grows, before it claims
// anything; the claim then adopts the finished run (runnerDelivery.ts). A silent agent is
// continued once if stopped, else killed after the idle timeout, as in a run of its own.
// See docs/missions.md#delivery-after-a-crash.
import { statSync } from 'node:fs';
import { findOrphanedAgents, killOrphanedAgents } from '../adapters/agent/index.js';
import { continueStopped } from '../adapters/agent/stoppedAgent.js';
import { streamFilePath } from '../adapters/agent/streamFile.js';
import type { Logger } from '../log.js';
import type { MissionStore } from '../missions/store.js';
import { sleep } from '../time/sleep.js';

export interface PredecessorAgentOptions {
  /** The agents' marker (orphans.ts agentMarker) of this runner. */
  marker: string;
  runner: string;
  store: Pick<MissionStore, 'list' | 'renew'>;
  streamDir: string;
  idleTimeoutMs: number;
  renewEveryMs: number;
  logger: Logger;
  /** Aborted when the runner stops: it stops waiting and leaves the agent to its next process. */
  signal?: AbortSignal;
  pollMs?: number;
}

/** Resolves once no agent of this runner's previous process is left (finished, or killed). */
export async function letPredecessorFinish(options: PredecessorAgentOptions): Promise<void> {
  const { marker, runner, store, logger, signal } = options;
  const pids = findOrphanedAgents(marker);
  if (pids.length === 0) return;
  const held = store.list({ status: 'running' }).filter((m) => m.lease?.runner === runner);
  if (held.length === 0) {
    killOrphanedAgents(marker, logger); // no mission of ours is running: nothing to finish for
    return;
  }
  const missions = held.map((m) => m.id);
  logger.info({ pids, missions }, "letting the agent of this runner's previous process finish its run");
  const files = held.map((m) => streamFilePath(options.streamDir, m.id, m.attempts));
  // Renewed at once: the previous process may have died most of a lease ago.
  if (await renewAll(store, missions, runner, logger)) return void killOrphanedAgents(marker, logger);
  let size = sizeOf(files);
  let grewAt = Date.now();
  let renewedAt = Date.now();
  let continued = false;
  while (!signal?.aborted) {
    await sleep(options.pollMs ?? 500, signal ? { signal } : {});
    if (signal?.aborted) return; // stopping: the next process decides
    if (findOrphanedAgents(marker).length === 0) {
      logger.info({ missions }, "the previous process's agent ended; its run is adopted by the next claim");
      return;
    }
    const now = Date.now();
    const grown = sizeOf(files);
    if (grown !== size) [size, grewAt] = [grown, now];
    else if (now - grewAt > options.idleTimeoutMs) {
      if (!continued && pids.some((pid) => continueStopped(pid).length > 0)) {
        [continued, grewAt] = [true, now];
        logger.warn({ pids }, "the previous process's agent was stopped: continued it");
        continue;
      }
      logger.warn(
        { missions },
        `the previous process's agent wrote nothing for ${options.idleTimeoutMs} ms; killing it`,
      );
      break;
    }
    if (now - renewedAt >= options.renewEveryMs) {
      renewedAt = now;
      const lost = await renewAll(store, missions, runner, logger);
      if (lost) break;
    }
  }
  killOrphanedAgents(marker, logger);
}

/** True when a mission's lease is gone (cancelled, or taken): its agent must stop. */
async function renewAll(
  store: PredecessorAgentOptions['store'],
  ids: readonly string[],
  runner: string,
  logger: Logger,
): Promise<boolean> {
  for (const id of ids) {
    try {
      await store.renew(id, runner);
    } catch (error) {
      logger.warn({ err: error, mission: id }, "lost the lease of the previous process's mission; stopping its agent");
      return true;
    }
  }
  return false;
}

function sizeOf(files: readonly string[]): number {
  let total = 0;
  for (const file of files) {
    try {
      total += statSync(file).size;
    } catch {
      // not written yet
    }
  }
  return total;
}
