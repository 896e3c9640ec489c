// The operator's commands in chat, each with its name, aliases, category, one-line usage and
// handler. What a line asks for is read in intent.ts, requests to the tree go through
// treeClient.ts, /help is help.ts, and the PR commands come from the mission command table
// (src/missions/commands.ts).
//
//   missions  /mission [--now] [project:x] <text> (/m)  /list (/ls)  /cancel <n|id>
//             /priority <n|id> top|bottom|N  /live  /abort [runner]  /stop (asks, aborts nothing)
//             /approve <id>  /reject <id> [why]  /retry <id>
//   control   /pause [duration]  /resume  /status  /restart [actor]  /update [force]  /usage
//             /budget [raise <amount> [project] | reset]
//   PRs       /rebase <pr>  /review <pr>  /ci_check <pr>  /implement <issue>  /fix <issue>
//   help      /help [topic|command] (/start, /commands)
// `primary` marks the few the compact /help shows; `brief` is the menu's few words (help.ts).
import { describeError } from '../errors.js';
import type { Mission } from '../contracts/index.js';
import { MISSION_COMMANDS, targetPlaceholder, type MissionCommand } from '../missions/commands.js';
import { pauseLength, type PauseRecord } from '../missions/pause.js';
import type { ListReply } from '../missions/service.js';
import { CommandError, type Command } from './command.js';
import { askOpenBreakers } from '../supervisor/openBreakers.js';
import { approvalCommands, pendingApprovalsText } from './approve.js';
import { clockTime, formatLive, formatStatus } from './format.js';
import { helpText } from './help.js';
import { missionOptions } from './intent.js';
import {
  addMission,
  ask,
  askMissions,
  isRunner,
  resolveMission,
  runnerLive,
  runnerNames,
  settle,
  treeStatus,
} from './treeClient.js';
import { oneLine } from '../text/oneLine.js';
import { usageReply } from './usage.js';
import { budgetCommand } from './budget.js';
import { listCommand } from './list.js';
import { abortCommand, stopCommand } from './stop.js';
import { retryCommand } from './retry.js';

export { CommandError, type BridgeApi, type Command, type CommandCategory, type CommandContext } from './command.js';

/** A chat command that queues the mission command `pr` (`/rebase <pr>` → a rebase mission). */
function missionCommand(pr: MissionCommand): Command {
  const target = targetPlaceholder(pr);
  return {
    name: pr.kind,
    aliases: pr.aliases,
    category: 'PRs',
    usage: `/${pr.kind} ${target}`,
    summary: pr.summary,
    run: async (ctx) => {
      const { text, project, now } = missionOptions(ctx.args);
      if (!text)
        throw new CommandError(
          `/${pr.kind} needs the ${target === '<pr>' ? 'pull request' : 'issue'} URL, e.g. /${pr.kind} https://github.com/owner/repo/${target === '<pr>' ? 'pull' : 'issues'}/42`,
        );
      return addMission(ctx, `/${pr.kind} ${text}`, { ...(project ? { project } : {}), now });
    },
  };
}

/**
 * Every command, made for one router: the /update guard (one update at a time) belongs to the
 * list, not the module. `missionCommands` is the table the PR commands come from.
 */
export function bridgeCommands(missionCommands: readonly MissionCommand[] = MISSION_COMMANDS): readonly Command[] {
  let updating = false;
  const commands: Command[] = [
    // missions
    {
      name: 'mission',
      aliases: ['m'],
      category: 'missions',
      primary: true,
      usage: '/mission [--now] [project:x] <text>',
      summary: 'queue a mission (--now: at the head of the queue)',
      run: async (ctx) => {
        const { text, project, now } = missionOptions(ctx.args);
        if (!text)
          throw new CommandError('what should the mission do? e.g. /mission project:app fix the flaky login test');
        return addMission(ctx, text, { ...(project ? { project } : {}), now });
      },
    },
    listCommand,
    {
      name: 'cancel',
      aliases: ['c', 'rm'],
      category: 'missions',
      primary: true,
      usage: '/cancel <n|id>',
      summary: 'cancel a mission (n: its number in /list); a running one stops at once',
      run: async (ctx) => {
        const ref = ctx.args.split(/\s+/)[0];
        if (!ref) throw new CommandError('which mission? /cancel 2 (its number in /list) or /cancel <id>');
        const id = await resolveMission(ctx.api, ref);
        const mission = await askMissions<Mission>(ctx.api, 'cancel', { id, by: ctx.by });
        const runner = mission.lease?.runner;
        return `✖ cancelled ${mission.id} ${oneLine(mission.text, 60)}${runner ? ` (${runner} stops its agent)` : ''}`;
      },
    },
    {
      name: 'priority',
      aliases: ['prio', 'p'],
      category: 'missions',
      usage: '/priority <n|id> top|bottom|N',
      summary: 'move a pending mission in the queue',
      run: async (ctx) => {
        const [ref, to] = ctx.args.split(/\s+/);
        if (!ref || !to || !(to === 'top' || to === 'bottom' || /^[1-9]\d*$/.test(to))) {
          throw new CommandError('usage: /priority <n|id> top|bottom|N — e.g. /priority 3 top');
        }
        const id = await resolveMission(ctx.api, ref);
        const mission = await askMissions<Mission>(ctx.api, 'priority', { id, to: /^\d+$/.test(to) ? Number(to) : to });
        return `↕ ${mission.id} moved to ${/^\d+$/.test(to) ? `position ${to}` : `the ${to}`} of the queue`;
      },
    },
    {
      name: 'live',
      aliases: ['watch', 'tail'],
      category: 'missions',
      primary: true,
      brief: 'what each agent is doing now',
      usage: '/live',
      summary: 'what each running agent is doing right now',
      run: async (ctx) => formatLive(await runnerLive(ctx.api, await runnerNames(ctx.api)), ctx.api.now()),
    },
    abortCommand,
    stopCommand,
    // control
    {
      name: 'pause',
      aliases: [],
      category: 'control',
      primary: true,
      usage: '/pause [duration]',
      summary: 'stop starting new missions (e.g. /pause 2h); running ones finish',
      run: async (ctx) => {
        const duration = ctx.args.split(/\s+/)[0] || undefined;
        // Checked here too, so a typo ("/pause 300d") is answered at once in the chat's words.
        try {
          pauseLength(duration);
        } catch (error) {
          throw new CommandError(describeError(error));
        }
        const record = await askMissions<PauseRecord>(ctx.api, 'pause', {
          by: ctx.by,
          ...(duration ? { for: duration } : {}),
        });
        return `⏸ dispatch paused${record.until ? ` until ${clockTime(record.until, ctx.api.now())}` : ''}; running missions finish. /resume to go on`;
      },
    },
    {
      name: 'resume',
      aliases: ['unpause', 'continue'],
      category: 'control',
      primary: true,
      usage: '/resume',
      summary: 'start missions again',
      run: async (ctx) => {
        await askMissions(ctx.api, 'resume', { by: ctx.by });
        return '▶ dispatch resumed';
      },
    },
    {
      name: 'status',
      aliases: ['s', 'st'],
      category: 'control',
      primary: true,
      brief: 'the tree, the queue and the runners',
      usage: '/status',
      summary: 'the tree, the queue, pause, and what each runner is doing',
      run: async (ctx) => {
        const { api } = ctx;
        const [tree, list, pause] = await Promise.all([
          settle(treeStatus(api)),
          settle(askMissions<ListReply>(api, 'list', { limit: 0 })),
          settle(api.readPause()),
        ]);
        const names = 'error' in tree ? [] : tree.children.map((c) => c.name).filter(isRunner);
        const [runners, openBreakers] = await Promise.all([
          runnerLive(api, names),
          askOpenBreakers(names, (r) => api.request(api.subjects.control(r), { verb: 'breakers' }, 2_000)),
        ]);
        const status = formatStatus({
          tree,
          counts: 'error' in list ? list : list.counts,
          pause,
          runners,
          openBreakers,
          ...(api.providersLine ? { providers: api.providersLine() } : {}),
          now: api.now(),
        });
        // Approvals pending survive restarts on their records (docs/missions.md#approval).
        const approvals = await settle(pendingApprovalsText(api));
        return typeof approvals === 'string' && approvals ? `${status}\n${approvals}` : status;
      },
    },
    {
      name: 'restart',
      aliases: [],
      category: 'control',
      admin: true,
      usage: '/restart [actor]',
      summary: 'restart an actor cooperatively (resets an open circuit)',
      run: async (ctx) => {
        const actor = ctx.args.split(/\s+/)[0];
        if (!actor) {
          const tree = await treeStatus(ctx.api);
          return `restart which actor? ${tree.children
            .map((c) => c.name)
            .filter((n) => n !== 'nats')
            .join(', ')}`;
        }
        const reply = await ask<{ from: string; circuitReset: boolean }>(
          ctx.api,
          ctx.api.subjects.supRestart,
          { actor, by: ctx.by },
          'the supervisor',
        );
        return `🔄 ${actor}: ${reply.circuitReset ? 'circuit reset, starting' : 'restarting'} (was ${reply.from})`;
      },
    },
    {
      name: 'update',
      aliases: ['upgrade'],
      category: 'control',
      admin: true,
      usage: '/update [force]',
      summary: 'git pull --ff-only and npm run build; the tree then rolls onto the new build',
      run: async (ctx) => {
        if (updating) return 'an update is already running';
        updating = true;
        const force = /^(force|-f|--force)$/i.test(ctx.args);
        void ctx.api
          .update(ctx.reply, { force })
          .catch((error: unknown) => ctx.reply(`❌ update failed: ${describeError(error)}`))
          .catch(() => undefined)
          .finally(() => (updating = false));
        return `⬇ updating: git pull --ff-only, then npm run build${force ? ' (forced)' : ''}…`;
      },
    },
    {
      name: 'usage',
      aliases: ['cost'],
      category: 'control',
      usage: '/usage',
      summary: 'tokens and cost today and this week, and today against the day budgets',
      run: usageReply,
    },
    budgetCommand,
    ...approvalCommands,
    retryCommand,
    // PRs
    ...missionCommands.map(missionCommand),
    // help
    {
      name: 'help',
      aliases: ['h', 'start', 'commands'],
      category: 'help',
      usage: '/help [topic|command]',
      summary: 'the commands you need most; a topic (missions, control, prs, all) or one command’s usage',
      brief: 'the commands, by topic',
      run: async (ctx) => helpText(ctx.args, commands),
    },
  ];
  return commands;
}
