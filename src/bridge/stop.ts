// Stopping a running agent: /abort [runner] does it (ctl verb `abort` on the runner); /stop only
// asks, since on a phone "stop" is too easy to send for what it used to mean (abort the running
// agent, losing its work): it names the mission it would stop and the /abort line that does it.
// docs/chat.md#stop-asks-first
import { CommandError, type Command } from './command.js';
import type { LiveReply } from './format.js';
import { ask, isRunner, runnerLive, runnerNames } from './treeClient.js';
import { oneLine } from '../text/oneLine.js';
import { resolveRunnerRef } from './runnerRef.js';

export const abortCommand: Command = {
  name: 'abort',
  aliases: [],
  category: 'missions',
  usage: '/abort [runner | n | host-n]',
  summary: "stop the agent of a runner's current mission",
  run: async (ctx) => {
    const ref = ctx.args.split(/\s+/)[0] || undefined;
    let runner: string | undefined;
    if (ref) {
      // A full name needs no lookup: /abort works while the supervisor is not answering.
      const known = isRunner(ref) ? [ref] : await runnerNames(ctx.api);
      const named = resolveRunnerRef(ref, known);
      if ('unknown' in named)
        throw new CommandError(`${ref} is not a runner; runners are ${known.join(', ') || 'none right now'}`);
      if ('ambiguous' in named)
        return `several hosts have a runner ${ref} — say which:\n${named.ambiguous.map((r) => `/abort ${r}`).join('\n')}`;
      runner = named.runner;
    } else {
      const live = await runnerLive(ctx.api, await runnerNames(ctx.api));
      const busy = live.filter((l): l is LiveReply => !('error' in l) && l.mission !== null);
      if (busy.length === 0) return 'nothing is running';
      if (busy.length > 1)
        return `several runners are busy — say which:\n${busy.map((l) => `/abort ${l.runner}  (${l.mission!.id} ${oneLine(l.mission!.text, 50)})`).join('\n')}`;
      runner = busy[0]!.runner;
    }
    const reply = await ask<{ aborted: boolean; mission?: string; reason?: string }>(
      ctx.api,
      ctx.api.subjects.control(runner),
      { verb: 'abort', reason: `aborted by ${ctx.by}` },
      runner,
    );
    return reply.aborted
      ? `⏹ ${runner}: aborting mission ${reply.mission}`
      : `${runner}: ${reply.reason ?? 'nothing to abort'}`;
  },
};

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
