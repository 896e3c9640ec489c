// /stop asks before it aborts: on a phone "stop" is too easy to send for what it used to do
// (abort the running agent, losing its work). It names the mission it would stop and the /abort
// line that does it, and aborts nothing itself. docs/chat.md#stop-asks-first
import type { Command } from './command.js';
import type { LiveReply } from './format.js';
import { runnerLive, runnerNames } from './treeClient.js';
import { oneLine } from '../text/oneLine.js';

export const stopCommand: Command = {
  name: 'stop',
  aliases: [],
  category: 'missions',
  usage: '/stop',
  summary: 'asks first: names the running mission and the /abort line that stops its agent (aborts nothing itself)',
  brief: 'ask before aborting a running agent',
  run: async (ctx) => {
    const live = await runnerLive(ctx.api, await runnerNames(ctx.api));
    const busy = live.filter((l): l is LiveReply => !('error' in l) && l.mission !== null);
    if (busy.length === 0) return 'nothing is running, so nothing to stop (/pause stops new missions from starting)';
    const lines = busy.map(
      (l) =>
        `/stop aborts ${l.runner}'s mission ${l.mission!.id} ${oneLine(l.mission!.text, 50)}: send /abort ${l.runner} to confirm`,
    );
    return {
      text: [...lines, '(/pause stops new missions from starting; /cancel <id> cancels a mission)'].join('\n'),
      actions: busy.slice(0, 4).map((l) => ({ label: `⏹ Abort ${l.runner}`, command: `/abort ${l.runner}` })),
    };
  },
};
