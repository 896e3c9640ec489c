// The operator's commands in chat: a registry (name, aliases, category, one-line usage,
// handler), the parser that tells a command from a mission from a chat message, and "did you
// mean" for typos. Handlers reach the tree only through `BridgeApi` (requests on the bus,
// the pause record, the update runner), so parsing and most handlers are testable without NATS.
//
//   missions  /mission [--now] [project:x] <text> (/m)  /list (/ls)  /cancel <n|id>
//             /priority <n|id> top|bottom|N  /live  /abort [runner]
//   control   /pause [duration]  /resume  /status  /restart [actor]  /update [force]  /usage
//   PRs       /rebase <pr>  /review <pr>  /ci_check <pr>  /implement <issue>  /fix <issue>
//   help      /help [command] (/start, /commands)
import type { InboundMessage } from '../adapters/messaging/types.js';
import type { Subjects } from '../bus/index.js';
import { BusError, describeError, RemoteError, RoshiError, TimeoutError } from '../errors.js';
import type { Mission, MissionStatus } from '../contracts/index.js';
import { pauseLength, type PauseRecord } from '../missions/pause.js';
import type { ListReply } from '../missions/service.js';
import type { TreeStatus } from '../supervisor/status.js';
import { clockTime, countsLine, formatLive, formatStatus, missionLine, type LiveReply } from './format.js';
import { oneLine } from '../text/oneLine.js';
import { nearest } from '../text/suggest.js';
import { formatUsage, readUsage } from './usage.js';

export type CommandCategory = 'missions' | 'control' | 'PRs' | 'help';

/** What a command handler may do to the world. */
export interface BridgeApi {
  subjects: Subjects;
  /** A request on the bus; refusals arrive as RemoteError, silence as BusError/TimeoutError. */
  request<T>(subject: string, payload: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  now(): number;
  readPause(): Promise<PauseRecord | undefined>;
  usageFile: string;
  /** Runs /update; reports each step through `report`. */
  update(report: (line: string) => Promise<void>, options: { force: boolean }): Promise<void>;
  /** One line on the bridge's own providers, for /status. */
  providersLine?(): string;
}

export interface CommandContext {
  /** Everything after the command word, trimmed. */
  args: string;
  /** Who asks, as the allow-list names them: "<provider>:<userId>". */
  by: string;
  message: InboundMessage;
  api: BridgeApi;
  /** Another reply to the asking chat, for commands that report progress. */
  reply: (text: string) => Promise<void>;
}

export interface Command {
  name: string;
  aliases: readonly string[];
  category: CommandCategory;
  /** e.g. "/cancel <n|id>" */
  usage: string;
  summary: string;
  /** Changes or restarts the installation: only for bridge.admins, not everyone allowed. */
  admin?: boolean;
  /** The reply text; undefined when the handler replies by itself (or later). */
  run: (ctx: CommandContext) => Promise<string | undefined>;
}

/** A refusal a person can act on; shown as is. */
export class CommandError extends RoshiError {
  override readonly code = 'command_refused';
}

// ─── parsing ──────────────────────────────────────────────────────────────────────────────────

/** `/cmd args` (also `/cmd@botname args`, as Telegram sends in groups) → name and args. */
export function parseCommand(text: string): { name: string; args: string } | undefined {
  const match = /^\/([A-Za-z][\w-]*)(?:@[\w.]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  return { name: match[1]!.toLowerCase(), args: (match[2] ?? '').trim() };
}

/** First words that make plain text a mission ("fix the flaky login test"). */
export const MISSION_VERBS = ['fix', 'add', 'implement', 'refactor', 'write', 'update', 'remove', 'rename', 'make', 'create', 'build'] as const;

/**
 * The mission in plain text, or undefined when it reads as conversation: "mission: <text>", or
 * a text of at least two words whose first word (after an optional [project:x] tag) is one of
 * MISSION_VERBS. A question (ending in "?") is conversation even when it starts with a verb.
 */
export function missionFromText(text: string): string | undefined {
  const trimmed = text.trim();
  const explicit = /^mission:\s*([\s\S]*)$/i.exec(trimmed);
  if (explicit) return explicit[1]!.trim() || undefined;
  if (trimmed.endsWith('?')) return undefined;
  const body = trimmed.replace(/^\[project:[^\]\s]*\]\s*/i, '');
  const words = body.split(/\s+/).filter(Boolean);
  if (words.length < 2) return undefined;
  const first = words[0]!.toLowerCase().replace(/[,:;.!]+$/, '');
  return (MISSION_VERBS as readonly string[]).includes(first) ? trimmed : undefined;
}

export type Intent =
  | { type: 'command'; name: string; args: string; command: Command }
  | { type: 'unknown'; name: string; suggestion?: string }
  | { type: 'mission'; text: string }
  | { type: 'chat'; text: string };

export function classify(text: string, commands: readonly Command[] = COMMANDS): Intent {
  const parsed = parseCommand(text);
  if (parsed) {
    const command = findCommand(parsed.name, commands);
    if (command) return { type: 'command', name: parsed.name, args: parsed.args, command };
    const suggestion = suggest(parsed.name, commands);
    return { type: 'unknown', name: parsed.name, ...(suggestion ? { suggestion } : {}) };
  }
  const mission = missionFromText(text);
  if (mission !== undefined) return { type: 'mission', text: mission };
  return { type: 'chat', text: text.trim() };
}

export function findCommand(name: string, commands: readonly Command[] = COMMANDS): Command | undefined {
  const n = name.toLowerCase().replace(/^\//, '');
  return commands.find((c) => c.name === n || c.aliases.includes(n));
}

/**
 * The command a typo most likely meant, or undefined when none is close: the start of a command
 * ("/stat" → /status, at least 3 letters), else the nearest name or alias by edit distance (at
 * most 2 edits and fewer than half the word, so "/x" does not become "/m").
 */
export function suggest(name: string, commands: readonly Command[] = COMMANDS): string | undefined {
  const n = name.toLowerCase();
  if (n.length >= 3) {
    const prefixed = commands.filter((c) => c.name.startsWith(n)).sort((a, b) => a.name.length - b.name.length)[0];
    if (prefixed) return `/${prefixed.name}`;
  }
  const names = commands.flatMap((c) => [c.name, ...c.aliases]);
  const best = nearest(n, names, (candidate) => Math.min(2, Math.floor(Math.max(n.length, candidate.length) / 2)));
  return best === undefined ? undefined : `/${findCommand(best, commands)!.name}`;
}

// ─── talking to the tree ──────────────────────────────────────────────────────────────────────

async function ask<T>(api: BridgeApi, subject: string, payload: Record<string, unknown>, who: string, timeoutMs?: number): Promise<T> {
  try {
    return await api.request<T>(subject, payload, timeoutMs);
  } catch (error) {
    if (error instanceof RemoteError) throw new CommandError(describeError(error));
    if (error instanceof TimeoutError) throw new CommandError(`${who} did not answer in time; try again in a moment`);
    if (error instanceof BusError && /nobody is listening/.test(error.message)) throw new CommandError(`${who} is not running right now (nobody answers on ${subject}); /status shows the tree`);
    throw error;
  }
}

const askMissions = <T>(api: BridgeApi, verb: string, payload: Record<string, unknown>) => ask<T>(api, api.subjects.missions(verb), payload, 'the missions actor');

/** Leading options of /mission and the PR commands: --now, project:x or [project:x]. */
export function missionOptions(args: string): { text: string; project?: string; now: boolean } {
  const tokens = args.split(/\s+/).filter(Boolean);
  let project: string | undefined;
  let now = false;
  while (tokens.length > 0) {
    const token = tokens[0]!;
    if (token === '--now' || token === '-n') now = true;
    else if (/^project:[^\s\]]+$/i.test(token)) project = token.slice('project:'.length);
    else if (/^\[project:[^\s\]]+\]$/i.test(token)) project = token.slice('[project:'.length, -1);
    else break;
    tokens.shift();
  }
  // Keep the text's own spacing (and line breaks) after the options.
  let text = args.trim();
  const consumed = args.trim().split(/\s+/).length - tokens.length;
  for (let i = 0; i < consumed; i++) text = text.replace(/^\S+\s*/, '');
  return { text, ...(project ? { project } : {}), now };
}

async function addMission(ctx: CommandContext, text: string, options: { project?: string; now?: boolean }): Promise<string> {
  const mission = await askMissions<Mission>(ctx.api, 'add', {
    text,
    source: 'chat',
    by: ctx.by,
    ...(options.project ? { project: options.project } : {}),
    ...(options.now ? { now: true } : {}),
  });
  return `⏳ queued ${mission.id} [${mission.project}] ${oneLine(mission.text, 80)}${options.now ? ' (at the head of the queue)' : ''}`;
}

/** The mission an operator means: a position from /list ("2") or an id (or the start of one). */
async function resolveMission(api: BridgeApi, ref: string): Promise<string> {
  if (!/^\d{1,4}$/.test(ref)) return ref;
  const position = Number(ref);
  const list = await askMissions<ListReply>(api, 'list', { status: ['running', 'pending'], limit: Math.max(1, position) });
  const mission = list.missions[position - 1];
  if (!mission) throw new CommandError(`there is no #${position} in the queue (${list.total} running or pending); /list shows it`);
  return mission.id;
}

async function treeStatus(api: BridgeApi): Promise<TreeStatus> {
  return ask<TreeStatus>(api, api.subjects.supStatus, {}, 'the supervisor');
}

const isRunner = (name: string) => /^runner-\d+$/.test(name);

async function runnerLive(api: BridgeApi, runners: string[]): Promise<Array<LiveReply | { runner: string; error: string }>> {
  return Promise.all(
    runners.map(async (runner) => {
      try {
        return await api.request<LiveReply>(api.subjects.control(runner), { verb: 'live' }, 2_000);
      } catch (error) {
        return { runner, error: describeError(error) };
      }
    }),
  );
}

async function runnerNames(api: BridgeApi): Promise<string[]> {
  const tree = await treeStatus(api);
  return tree.children.map((c) => c.name).filter(isRunner);
}

const settle = async <T>(promise: Promise<T>): Promise<T | { error: string }> => {
  try {
    return await promise;
  } catch (error) {
    return { error: describeError(error) };
  }
};

// ─── the commands ─────────────────────────────────────────────────────────────────────────────

const PR_COMMANDS: Array<{ name: string; aliases: string[]; target: string; summary: string }> = [
  { name: 'rebase', aliases: [], target: '<pr>', summary: 'rebase a pull request of roshi on its base branch and push' },
  { name: 'review', aliases: [], target: '<pr>', summary: 'review a pull request and report findings (no code change)' },
  { name: 'ci_check', aliases: ['ci', 'cicheck', 'ci-check'], target: '<pr>', summary: 'look at the failing CI of a pull request and fix it' },
  { name: 'implement', aliases: [], target: '<issue>', summary: 'implement an issue in a new pull request' },
  { name: 'fix', aliases: [], target: '<issue>', summary: 'fix a bug reported in an issue, in a new pull request' },
];

const LIST_STATUSES: readonly string[] = ['pending', 'running', 'done', 'failed', 'cancelled', 'all'];
let updating = false;

export const COMMANDS: readonly Command[] = [
  // missions
  {
    name: 'mission',
    aliases: ['m'],
    category: 'missions',
    usage: '/mission [--now] [project:x] <text>',
    summary: 'queue a mission (--now: at the head of the queue)',
    run: async (ctx) => {
      const { text, project, now } = missionOptions(ctx.args);
      if (!text) throw new CommandError('what should the mission do? e.g. /mission project:app fix the flaky login test');
      return addMission(ctx, text, { ...(project ? { project } : {}), now });
    },
  },
  {
    name: 'list',
    aliases: ['ls', 'queue', 'q'],
    category: 'missions',
    usage: '/list [pending|running|done|failed|cancelled|all]',
    summary: 'the queue: running and pending missions, numbered for /cancel and /priority',
    run: async (ctx) => {
      const filter = ctx.args.toLowerCase() || undefined;
      if (filter && !LIST_STATUSES.includes(filter)) throw new CommandError(`/list takes one of ${LIST_STATUSES.join(', ')} (got ${JSON.stringify(ctx.args)})`);
      const status: MissionStatus[] | undefined = !filter ? ['running', 'pending'] : filter === 'all' ? undefined : [filter as MissionStatus];
      const reply = await askMissions<ListReply>(ctx.api, 'list', { ...(status ? { status } : {}), limit: 25 });
      const now = ctx.api.now();
      const numbered = !filter;
      const lines = reply.missions.map((m, i) => missionLine(m, now, numbered ? i + 1 : undefined));
      if (lines.length === 0) lines.push(!filter ? 'nothing running or queued' : `no ${filter} missions`);
      if (reply.total > reply.missions.length) lines.push(`… ${reply.total - reply.missions.length} more`);
      lines.push(countsLine(reply.counts));
      return lines.join('\n');
    },
  },
  {
    name: 'cancel',
    aliases: ['c', 'rm'],
    category: 'missions',
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
    usage: '/live',
    summary: 'what each running agent is doing right now',
    run: async (ctx) => formatLive(await runnerLive(ctx.api, await runnerNames(ctx.api)), ctx.api.now()),
  },
  {
    name: 'abort',
    aliases: ['stop'],
    category: 'missions',
    usage: '/abort [runner]',
    summary: "stop the agent of a runner's current mission",
    run: async (ctx) => {
      let runner = ctx.args.split(/\s+/)[0] || undefined;
      if (runner && /^\d+$/.test(runner)) runner = `runner-${runner}`;
      if (!runner) {
        const live = await runnerLive(ctx.api, await runnerNames(ctx.api));
        const busy = live.filter((l): l is LiveReply => !('error' in l) && l.mission !== null);
        if (busy.length === 0) return 'nothing is running';
        if (busy.length > 1) return `several runners are busy — say which:\n${busy.map((l) => `/abort ${l.runner}  (${l.mission!.id} ${oneLine(l.mission!.text, 50)})`).join('\n')}`;
        runner = busy[0]!.runner;
      }
      if (!isRunner(runner)) throw new CommandError(`${runner} is not a runner; runners are runner-1, runner-2, …`);
      const reply = await ask<{ aborted: boolean; mission?: string; reason?: string }>(ctx.api, ctx.api.subjects.control(runner), { verb: 'abort', reason: `aborted by ${ctx.by}` }, runner);
      return reply.aborted ? `⏹ ${runner}: aborting mission ${reply.mission}` : `${runner}: ${reply.reason ?? 'nothing to abort'}`;
    },
  },
  // control
  {
    name: 'pause',
    aliases: [],
    category: 'control',
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
      const record = await askMissions<PauseRecord>(ctx.api, 'pause', { by: ctx.by, ...(duration ? { for: duration } : {}) });
      return `⏸ dispatch paused${record.until ? ` until ${clockTime(record.until, ctx.api.now())}` : ''}; running missions finish. /resume to go on`;
    },
  },
  {
    name: 'resume',
    aliases: ['unpause', 'continue'],
    category: 'control',
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
    usage: '/status',
    summary: 'the tree, the queue, pause, and what each runner is doing',
    run: async (ctx) => {
      const { api } = ctx;
      const [tree, list, pause] = await Promise.all([settle(treeStatus(api)), settle(askMissions<ListReply>(api, 'list', { limit: 0 })), settle(api.readPause())]);
      const runners = 'error' in tree ? [] : await runnerLive(api, tree.children.map((c) => c.name).filter(isRunner));
      return formatStatus({
        tree,
        counts: 'error' in list ? list : list.counts,
        pause,
        runners,
        ...(api.providersLine ? { providers: api.providersLine() } : {}),
        now: api.now(),
      });
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
        return `restart which actor? ${tree.children.map((c) => c.name).filter((n) => n !== 'nats').join(', ')}`;
      }
      const reply = await ask<{ from: string; circuitReset: boolean }>(ctx.api, ctx.api.subjects.supRestart, { actor, by: ctx.by }, 'the supervisor');
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
    summary: 'tokens and cost today and this week',
    run: async (ctx) => formatUsage(await readUsage(ctx.api.usageFile, ctx.api.now())),
  },
  // PRs
  ...PR_COMMANDS.map(
    (pr): Command => ({
      name: pr.name,
      aliases: pr.aliases,
      category: 'PRs',
      usage: `/${pr.name} ${pr.target}`,
      summary: pr.summary,
      run: async (ctx) => {
        const { text, project, now } = missionOptions(ctx.args);
        if (!text) throw new CommandError(`/${pr.name} needs the ${pr.target === '<pr>' ? 'pull request' : 'issue'} URL, e.g. /${pr.name} https://github.com/owner/repo/${pr.target === '<pr>' ? 'pull' : 'issues'}/42`);
        return addMission(ctx, `/${pr.name} ${text}`, { ...(project ? { project } : {}), now });
      },
    }),
  ),
  // help
  {
    name: 'help',
    aliases: ['h', 'start', 'commands'],
    category: 'help',
    usage: '/help [command]',
    summary: 'this list, or the usage of one command',
    run: async (ctx) => helpText(ctx.args),
  },
];

const CATEGORY_TITLES: Record<Exclude<CommandCategory, 'help'>, string> = { missions: 'Missions', control: 'Control', PRs: 'Pull requests' };

export function helpText(topic = '', commands: readonly Command[] = COMMANDS): string {
  if (topic.trim()) {
    const command = findCommand(topic.trim(), commands);
    if (!command) {
      const guess = suggest(topic.trim().replace(/^\//, ''), commands);
      return `no command ${topic.trim()}${guess ? ` — did you mean ${guess}?` : ''}`;
    }
    return `${command.usage} — ${command.summary}${command.aliases.length ? `\naliases: ${command.aliases.map((a) => `/${a}`).join(', ')}` : ''}`;
  }
  const lines: string[] = [];
  for (const [category, title] of Object.entries(CATEGORY_TITLES)) {
    lines.push(`${title}:`);
    for (const c of commands.filter((x) => x.category === category)) {
      lines.push(`  ${c.usage}${c.aliases.length ? ` (${c.aliases.map((a) => `/${a}`).join(', ')})` : ''} — ${c.summary}`);
    }
  }
  lines.push('', `Plain text starting with "mission:" or a verb (${MISSION_VERBS.slice(0, 4).join(', ')}, …) becomes a mission; anything else goes to chat.`);
  return lines.join('\n');
}
