// `roshi mission approve <id>` and `roshi mission reject <id> [why]`: the same requests as the
// chat's /approve and /reject (docs/missions.md#approval), as the operator.
import { UsageError } from '../errors.js';
import type { Mission } from '../contracts/index.js';
import type { RejectReply } from '../missions/approvalService.js';
import type { CommandContext } from './context.js';

type Ask = <T>(ctx: CommandContext, verb: string, payload: Record<string, unknown>) => Promise<T>;

export async function approvalCommand(
  ctx: CommandContext,
  verb: 'approve' | 'reject',
  rest: string[],
  by: string,
  ask: Ask,
): Promise<number> {
  const [id, ...why] = rest;
  if (!id)
    throw new UsageError(
      `mission ${verb} needs a mission id (or the start of one), from \`mission list awaiting_approval\``,
    );
  if (verb === 'approve') {
    const mission = await ask<Mission>(ctx, 'approve', { id, by });
    ctx.print(
      ctx.args.json
        ? JSON.stringify(mission, null, 2)
        : mission.approval?.gate === 'merge'
          ? `${mission.id} approved: its PR may auto-merge`
          : `${mission.id} approved: queued to push and open its PR`,
    );
    return 0;
  }
  const reason = why.join(' ').trim();
  const reply = await ask<RejectReply>(ctx, 'reject', { id, by, ...(reason ? { reason } : {}) });
  const followUp = reply.followUp ? `; follow-up ${reply.followUp.id} queued with the reason` : '';
  ctx.print(ctx.args.json ? JSON.stringify(reply, null, 2) : `${reply.mission.id} rejected: nothing pushed${followUp}`);
  return 0;
}

/** The `approval` row of `mission show`. */
export function approvalRow(m: Mission): string | undefined {
  const a = m.approval;
  if (!a) return undefined;
  const who = a.by ? ` by ${a.by}` : '';
  const why = a.reason ? `: ${a.reason}` : '';
  const followUp = a.followUp ? ` (follow-up ${a.followUp})` : '';
  return `${a.gate} ${a.state}${who}${why}${followUp} — ${a.summary}`;
}
