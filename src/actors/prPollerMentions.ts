// The pr-poller's mentions duty: one pollMentions per successful cycle, the cursor kept in KV
// <prefix>_state, missions added as the commenter (source github), notices on the outbox; no
// sooner than GitHub's X-Poll-Interval allows. docs/github-mentions.md#commands-by-mention
import { createHash } from 'node:crypto';
import { RemoteError } from '../errors.js';
import { createMentionMemory, pollMentionsWhenDue, type NotificationPace } from '../prPoller/mentions.js';
import type { DutyInput } from './prPollerDutyInput.js';
import { projectOfRepo } from './prPollerRepos.js';

/** KV <prefix>_state key of the mentions cursor. */
const MENTIONS_KEY = 'prpoller.mentions';

export function mentionsDuty({ config, bus, github, authorizer, stateKv, notify, logger }: DutyInput) {
  const p = config.prPoller;
  const memory = createMentionMemory();
  const reportedRepos = new Set<string>();
  let mentionsSince: string | undefined;
  let mentionsLoaded = false;
  let botLogin = p.botLogin;
  const pace: NotificationPace = { notBefore: 0 };

  return async function mentions(): Promise<void> {
    if (!mentionsLoaded) {
      const saved = await stateKv.get<{ since?: string }>(MENTIONS_KEY).catch(() => undefined);
      mentionsSince = saved?.value.since;
      mentionsLoaded = true;
    }
    const result = await pollMentionsWhenDue(
      {
        github,
        repos: [...p.repos],
        botLogin,
        authorizedUsers: [...p.authorizedUsers],
        authorizer,
        branchPrefix: config.git.branchPrefix,
        ownForks: p.ownForks,
        since: mentionsSince,
        addMission: async (text, by, context) => {
          try {
            // The mention's repository decides the project: with several projects the store
            // would otherwise ask "which project?".
            const repo = /https?:\/\/[^/]+\/([^/\s]+\/[^/\s]+)\/(?:pull|issues)\//.exec(text)?.[1];
            const project = repo ? projectOfRepo(config, repo) : undefined;
            const mission = await bus.request<{ id: string }>(
              bus.subjects.missionsAs('add', 'pr-poller'),
              { text, source: 'github', by, ...(project ? { project } : {}), ...(context ? { context } : {}) },
              10_000,
            );
            return { id: mission.id };
          } catch (error) {
            if (error instanceof RemoteError) return { refused: error.message };
            throw error;
          }
        },
        // The whole text decides the id: two notices sharing a beginning are two notices.
        notify: (text) => notify(text, `mention-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`),
        reportedRepos,
        logger,
        now: Date.now,
        memory,
      },
      pace,
    );
    if (result === undefined) return; // GitHub's X-Poll-Interval has not passed yet
    botLogin = result.botLogin;
    if (result.since !== mentionsSince) {
      mentionsSince = result.since;
      await stateKv.put(MENTIONS_KEY, { since: result.since });
    }
  };
}
