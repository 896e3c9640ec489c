// /retry <id>: a failed (or cancelled) mission queued again as a new mission with the same text
// and project, its context saying which mission it retries and how that one ended, so the agent
// starts from what went wrong. The failed mission's notice carries a Retry button for it
// (missions/noticeDelivery.ts). Keyed by the message or button press like every add.
import type { Mission } from '../contracts/index.js';
import { oneLine } from '../text/oneLine.js';
import { CommandError, type Command } from './command.js';
import { askMissions, resolveMission } from './treeClient.js';
import { messageIdentity } from './messageIdentity.js';

const RETRYABLE: readonly Mission['status'][] = ['failed', 'cancelled'];

/** What the retry's agent is told about the attempt before (the new mission's context). */
export function retryContext(before: Mission): string {
  const why = before.result?.error ?? before.lastError ?? 'no reason recorded';
  const lines = [`This retries mission ${before.id}, which ended ${before.status}: ${oneLine(why, 600)}`];
  if (before.context) lines.push('', 'Its context was:', before.context);
  return lines.join('\n');
}

export const retryCommand: Command = {
  name: 'retry',
  aliases: [],
  category: 'missions',
  brief: 'queue a failed mission again',
  usage: '/retry <id>',
  summary: 'queue a failed or cancelled mission again as a new one, told how the last one ended',
  run: async (ctx) => {
    const ref = ctx.args.split(/\s+/)[0];
    if (!ref) throw new CommandError('which mission? /retry <id> — /list failed shows them');
    const before = await askMissions<Mission>(ctx.api, 'get', { id: await resolveMission(ctx.api, ref) });
    if (!RETRYABLE.includes(before.status))
      throw new CommandError(`${before.id} is ${before.status}: only a failed or cancelled mission can be retried`);
    const mission = await askMissions<Mission>(ctx.api, 'add', {
      text: before.text,
      project: before.project,
      context: retryContext(before),
      intake: messageIdentity(ctx.message),
      source: 'chat',
      by: ctx.by,
    });
    return {
      text: `🔁 queued ${mission.id} [${mission.project}] ${oneLine(mission.text, 80)} (retry of ${before.id})`,
      actions: [{ label: '✖ Cancel', command: `/cancel ${mission.id}` }],
    };
  },
};
