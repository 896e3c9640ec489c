// /approve and /reject: the operator's answer to an approval gate (docs/missions.md#approval,
// docs/chat.md). Only people on the allow-list reach a command at all (router.ts); the
// missions actor records who answered. Also the "awaiting approval" lines of /status.
import type { Mission } from '../contracts/index.js';
import type { ListReply } from '../missions/service.js';
import type { RejectReply } from '../missions/approvalService.js';
import { oneLine } from '../text/oneLine.js';
import { CommandError, type BridgeApi, type Command } from './command.js';
import { askMissions } from './treeClient.js';

/** Approvals listed in /status before "… N more". */
const SHOWN = 10;

export const approvalCommands: readonly Command[] = [
  {
    name: 'approve',
    aliases: ['ok'],
    category: 'missions',
    primary: true,
    brief: 'let a mission held for approval go on',
    usage: '/approve <id>',
    summary: 'let a mission waiting for approval push and open its PR (or auto-merge, approval: merge)',
    run: async (ctx) => {
      const id = ctx.args.split(/\s+/)[0];
      if (!id) throw new CommandError('which mission? /approve <id> — /status lists those waiting');
      const mission = await askMissions<Mission>(ctx.api, 'approve', { id, by: ctx.by });
      return mission.approval?.gate === 'merge'
        ? `👍 ${mission.id}: auto-merge of ${mission.result?.prUrl ?? 'its PR'} may go ahead once it is green`
        : `👍 ${mission.id} approved: back in the queue to push and open its PR (no new agent run)`;
    },
  },
  {
    name: 'reject',
    aliases: [],
    category: 'missions',
    usage: '/reject <id> [why]',
    summary: 'push nothing and cancel a mission waiting for approval; a reason queues a follow-up with it',
    run: async (ctx) => {
      const [id, ...why] = ctx.args.split(/\s+/);
      if (!id) throw new CommandError('which mission? /reject <id> [why] — /status lists those waiting');
      const reason = why.join(' ').trim();
      const reply = await askMissions<RejectReply>(ctx.api, 'reject', {
        id,
        by: ctx.by,
        ...(reason ? { reason } : {}),
      });
      const what =
        reply.mission.approval?.gate === 'merge'
          ? `👎 ${reply.mission.id}: its PR will not auto-merge`
          : `👎 ${reply.mission.id} rejected: nothing pushed`;
      const followUp = reply.followUp
        ? `\n⏳ follow-up ${reply.followUp.id} queued with the reason (/cancel ${reply.followUp.id} if not wanted)`
        : '';
      return `${what}${followUp}`;
    },
  },
];

/** "✋ awaiting approval:" and one line per mission whose approval is pending; '' when none. */
export async function pendingApprovalsText(api: BridgeApi): Promise<string> {
  const [held, done] = await Promise.all([
    askMissions<ListReply>(api, 'list', { status: ['awaiting_approval'], limit: SHOWN }),
    askMissions<ListReply>(api, 'list', { status: ['done'], limit: 200 }),
  ]);
  const merges = done.missions.filter((m) => m.approval?.gate === 'merge' && m.approval.state === 'pending');
  const all = [...held.missions, ...merges];
  if (all.length === 0) return '';
  const lines = all
    .slice(0, SHOWN)
    .map(
      (m) => `  ${m.id} [${m.project}] ${m.approval?.gate ?? 'push'}: ${oneLine(m.approval?.summary ?? m.text, 160)}`,
    );
  const more = held.total + merges.length - lines.length;
  return [
    '✋ awaiting approval (/approve <id>, /reject <id> [why]):',
    ...lines,
    ...(more > 0 ? [`  … ${more} more`] : []),
  ].join('\n');
}
