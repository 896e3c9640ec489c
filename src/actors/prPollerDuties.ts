// The duties the pr-poller runs after each successful cycle (mentions, auto-merge, branch
// cleanup), each wired in its own module; docs/github-mentions.md.
import { isCycleFatal } from '../prPoller/pollerTypes.js';
import { autoMergeDuty } from './prPollerAutoMerge.js';
import { cleanupDuty } from './prPollerCleanup.js';
import type { DutyInput } from './prPollerDutyInput.js';
import { mentionsDuty } from './prPollerMentions.js';

/**
 * The duties that run after each successful cycle. A GitHub outage or rate limit in one of them
 * ends the poll as a failure (the machine backs off); any other error is logged and the next
 * duty still runs.
 */
export function createDuties(input: DutyInput) {
  const { poller, logger } = input;
  const mentions = mentionsDuty(input);
  const autoMerge = autoMergeDuty(input);
  const cleanup = cleanupDuty(input);

  const contained = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      if (isCycleFatal(error) || (error as Error).name === 'AbortError') throw error;
      logger.warn({ err: error, duty: what }, `${what} failed; the poller goes on`);
    }
  };

  return {
    run: async (signal?: AbortSignal) => {
      const merged = poller.mergedRepos;
      await contained('mentions', mentions);
      signal?.throwIfAborted();
      await contained('auto-merge', autoMerge);
      signal?.throwIfAborted();
      await contained('branch cleanup', () => cleanup(merged));
    },
  };
}
