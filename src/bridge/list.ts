// /list: the queue, numbered for /cancel and /priority, or the missions of one status; when
// dispatch is paused or held (an operator's pause, a rate-limit hold, a day budget) a last line
// says until when, by whom and why. docs/chat.md#commands
import type { MissionStatus } from '../contracts/index.js';
import type { ListReply } from '../missions/service.js';
import { CommandError, type Command } from './command.js';
import { countsLine, missionLine, pauseLine } from './format.js';
import { askMissions } from './treeClient.js';

const LIST_STATUSES: readonly string[] = [
  'pending',
  'running',
  'awaiting_approval',
  'done',
  'failed',
  'cancelled',
  'all',
];

export const listCommand: Command = {
  name: 'list',
  aliases: ['ls', 'queue', 'q'],
  category: 'missions',
  primary: true,
  brief: 'the queue, and whether dispatch is paused',
  usage: '/list [pending|running|done|failed|cancelled|all]',
  summary:
    'the queue: running and pending missions, numbered for /cancel and /priority; says when dispatch is paused or held, and why',
  run: async (ctx) => {
    const filter = ctx.args.toLowerCase() || undefined;
    if (filter && !LIST_STATUSES.includes(filter))
      throw new CommandError(`/list takes one of ${LIST_STATUSES.join(', ')} (got ${JSON.stringify(ctx.args)})`);
    const status: MissionStatus[] | undefined = !filter
      ? ['running', 'pending']
      : filter === 'all'
        ? undefined
        : [filter as MissionStatus];
    const [reply, pause] = await Promise.all([
      askMissions<ListReply>(ctx.api, 'list', { ...(status ? { status } : {}), limit: 25 }),
      // A queue that does not move says why: an operator's pause, a rate-limit hold, a day budget.
      ctx.api.readPause().catch(() => undefined),
    ]);
    const now = ctx.api.now();
    const numbered = !filter;
    const lines = reply.missions.map((m, i) => missionLine(m, now, numbered ? i + 1 : undefined));
    if (lines.length === 0) lines.push(!filter ? 'nothing running or queued' : `no ${filter} missions`);
    if (reply.total > reply.missions.length) lines.push(`… ${reply.total - reply.missions.length} more`);
    lines.push(countsLine(reply.counts));
    const dispatch = pauseLine(pause, now);
    if (dispatch !== 'dispatch: running') lines.push(`${dispatch} — /resume to go on`);
    return lines.join('\n');
  },
};
