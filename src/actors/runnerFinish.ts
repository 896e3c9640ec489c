// Recording how a mission ended outlasts a short bus outage: the run is paid for and delivered,
// and a finish given up on leaves the mission to expire and be delivered again (chaos run 6: a
// nats-server restart during the write). Refusals (the lease is gone, the record is not ours)
// are final; anything else is tried again until the lease would have run out.
import { InvalidRecordError, InvalidTransitionError, LeaseLostError, UnknownMissionError } from '../missions/errors.js';
import type { MissionOutcome } from '../missions/transitions.js';
import type { Mission } from '../contracts/index.js';
import type { Logger } from '../log.js';
import type { MissionStore } from '../missions/store.js';

const FIRST_PAUSE_MS = 100;
const MAX_PAUSE_MS = 2_000;

export async function recordFinish(
  store: Pick<MissionStore, 'finish'>,
  mission: Mission,
  runner: string,
  outcome: MissionOutcome,
  options: { logger: Logger; giveUpAfterMs: number; sleep?: (ms: number) => Promise<void>; now?: () => number },
): Promise<Mission> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const giveUpAt = now() + options.giveUpAfterMs;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
    try {
      return await store.finish(mission.id, runner, outcome);
    } catch (error) {
      if (isAnswerAboutTheRecord(error) || now() + pause > giveUpAt) throw error;
      options.logger.warn({ err: error, mission: mission.id }, 'could not record how the mission ended; trying again');
      await sleep(pause);
    }
  }
}

/** The store read the record and refused: no second try changes that. */
function isAnswerAboutTheRecord(error: unknown): boolean {
  return [LeaseLostError, UnknownMissionError, InvalidTransitionError, InvalidRecordError].some(
    (type) => error instanceof type,
  );
}
