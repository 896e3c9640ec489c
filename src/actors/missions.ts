// The missions actor: keeper of the mission queue. It serves <prefix>.missions.* (as a NATS
// micro service, queue group "q", so a second instance would share the requests), reaps
// expired leases every lease/3 (sending the notices a dead writer left on a record), and is the single writer of missions.md and the importer of
// lines a person adds under Pending. Runners talk to the KV bucket directly for claims and
// leases (compare-and-set); this actor only has to exist for intake, control and the file.
import { join } from 'node:path';
import { missionsStewardMachine } from '../../machines/missionsSteward.js';
import { JsonKv, registerService } from '../bus/index.js';
import { MissionsFile } from '../missions/file.js';
import { applyStartPaused, pauseEndpoints, resumeTimedPauses, TREE_STARTED_ENV } from '../missions/pauseService.js';
import { forEveryIdentity, missionEndpoints } from '../missions/service.js';
import { discardHeldWork } from '../missions/approvalDiscard.js';
import { approvalEndpoints } from '../missions/approvalService.js';
import { sendNotice, sweepNotices } from '../missions/noticeDelivery.js';
import { MissionRetention } from '../missions/retention.js';
import { retentionSettings } from '../missions/retentionPolicy.js';
import { missionSettings } from '../missions/settings.js';
import { MissionStore } from '../missions/store.js';
import { watchCiQueue, type CiQueueView } from '../prPoller/ciQueue.js';
import { budgetEndpoints, keepBudgetHold } from '../usage/budgetService.js';
import type { ActorKind } from './host.js';

export const missionsKind: ActorKind = {
  description: 'the mission queue: intake and control requests, lease reaping, missions.md',
  create: async ({ config, bus, logger }) => {
    const settings = missionSettings(config);
    const store = await MissionStore.open(bus, settings, { logger });
    const stateKv = await JsonKv.open(bus, bus.subjects.stateBucket);
    const retention = await MissionRetention.open(bus, retentionSettings(config), logger);
    let stopTimedPauses: (() => void) | undefined;
    let stopBudgetHold: (() => void) | undefined;
    // The CI section: the PR poller keeps the queue in KV; a change re-renders the file.
    let ciQueue: CiQueueView | undefined;
    let fileStarted = false;
    const file = new MissionsFile(store, {
      ci: () => ciQueue?.entries() ?? [],
      file: config.missions.file,
      lastRenderedFile: join(config.stateDir, 'missions.last.md'),
      keepDone: settings.keepDone,
      keepFailed: settings.keepFailed,
      logger,
    });
    let reaping = false;
    const reapLeases = () => {
      if (reaping) return;
      reaping = true;
      store
        .expireLeases(Date.now())
        .then((changed) => {
          for (const m of changed) {
            logger.warn(
              { id: m.id, status: m.status, attempts: m.attempts },
              m.status === 'failed' ? 'mission failed as poison' : 'lease expired; mission back in the queue',
            );
            if (m.status === 'failed') void sendNotice(bus, store, m, 'missions').catch(() => undefined);
          }
          // Notices a runner (or this actor) wrote but died before sending.
          return sweepNotices(bus, store, { graceMs: settings.leaseMs, source: 'missions', logger });
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'lease reaping failed'))
        .finally(() => (reaping = false));
    };

    return {
      machine: missionsStewardMachine.provide({ actions: { reapLeases } }),
      input: { reapIntervalMs: Math.max(100, Math.floor(settings.leaseMs / 3)) },
      start: async () => {
        // Before the endpoints exist, so a resume sent during start-up is written after it.
        const treeStartedAt = Number(process.env[TREE_STARTED_ENV] ?? Date.now());
        await applyStartPaused(stateKv, config.runner.startPaused, treeStartedAt, Date.now());
        stopTimedPauses = await resumeTimedPauses(stateKv, logger);
        stopBudgetHold = await keepBudgetHold(stateKv, bus, config.budgets.day, logger);
        await registerService(bus, {
          name: `${config.prefix}-missions-api`,
          version: '0.1.0',
          description: 'mission intake and control: add, list, get, cancel, priority, pause, resume, budget',
          endpoints: [
            ...missionEndpoints(store, bus.subjects, retention),
            ...forEveryIdentity(
              approvalEndpoints(store, bus.subjects, { discardWork: (m) => discardHeldWork(config, m), logger }),
            ),
            ...forEveryIdentity(pauseEndpoints(stateKv, bus.subjects, logger)),
            ...forEveryIdentity(
              budgetEndpoints(
                stateKv,
                config.budgets.day,
                Object.keys(config.projects),
                bus.subjects.missions('budget'),
                logger,
              ),
            ),
          ],
        });
        ciQueue = await watchCiQueue(stateKv, () => void (fileStarted ? file.flush() : undefined), logger);
        await ciQueue.initialized;
        await file.start();
        fileStarted = true;
        retention.start();
        logger.info(
          { missions: store.size, counts: store.counts(), file: config.missions.file },
          'mission store ready',
        );
      },
      stop: async () => {
        stopTimedPauses?.();
        stopBudgetHold?.();
        retention.stop();
        ciQueue?.stop();
        await file.stop();
        store.close();
      },
      drainEvent: { type: 'DRAIN' },
      control: {
        missions: () => ({
          counts: store.counts(),
          file: config.missions.file,
          writes: file.writes,
          imported: file.imported,
        }),
      },
    };
  },
};
