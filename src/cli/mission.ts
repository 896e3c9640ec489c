// `roshi mission …`: the mission queue from the command line, over <prefix>.missions.* (the
// missions actor of the running tree answers).
//
//   mission add "<text>" [--project P] [--now]   prints the new id
//   mission list [status] [--json]               id, status, project, kind, text, attempts
//   mission show <id> [--json]                   everything about one mission, and whom it waits for
//   mission cancel <id>
//   mission priority <id> top|bottom|<position>
//   mission pause [30m] | mission resume           dispatch for the whole tree
//   mission approve <id> | mission reject <id> [why]  an approval gate (missionApproval.ts)
import { failoverWaitMs, requestThroughFailover, type Bus } from '../bus/index.js';
import { BusError, describeError, NoResponderError, RemoteError, RoshiError, UsageError } from '../errors.js';
import type { Mission, MissionStatus } from '../contracts/index.js';
import { readWaitingFor, waitingForText, type MissionReply } from '../contracts/missionReply.js';
import type { ListReply } from '../missions/service.js';
import { oneLine } from '../text/oneLine.js';
import { withBus } from './client.js';
import { approvalCommand, approvalRow } from './missionApproval.js';
import { askAgentState } from './missionAgentState.js';
import type { CommandContext } from './context.js';

export const summary =
  'mission add "<text>" [--project P] [--now] | list [status] | show <id> | cancel <id> | priority <id> top|bottom|N | approve <id> | reject <id> [why] | pause [30m] | resume';

const STATUSES: readonly string[] = ['pending', 'running', 'awaiting_approval', 'done', 'failed', 'cancelled'];

export async function run(ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = ctx.args.positionals;
  const by = typeof ctx.args.flags.by === 'string' ? ctx.args.flags.by : 'cli';
  switch (sub) {
    case 'add': {
      const text = rest.join(' ').trim();
      if (text === '')
        throw new UsageError(
          'mission add needs the mission text, e.g. `node dist/main.js mission add "fix the flaky login test" --project app`',
        );
      const project = typeof ctx.args.flags.project === 'string' ? ctx.args.flags.project : undefined;
      const payload = {
        text,
        source: 'cli',
        by,
        ...(project ? { project } : {}),
        ...(ctx.args.flags.now === true ? { now: true } : {}),
      };
      const mission = await ask<Mission>(ctx, 'add', payload);
      ctx.print(ctx.args.json ? JSON.stringify(mission, null, 2) : mission.id);
      return 0;
    }
    case 'list': {
      const status = rest[0];
      if (status !== undefined && !STATUSES.includes(status))
        throw new UsageError(
          `mission list takes a status to filter by: ${STATUSES.join(', ')} (got ${JSON.stringify(status)})`,
        );
      const reply = await ask<ListReply>(ctx, 'list', status ? { status } : {});
      ctx.print(ctx.args.json ? JSON.stringify(reply, null, 2) : formatTable(reply));
      return 0;
    }
    case 'show': {
      const id = needId(rest[0], 'show');
      const mission = await ask<MissionReply>(ctx, 'get', { id });
      const agent = ctx.args.json
        ? undefined
        : await askAgentState(mission, (r) =>
            withBus(ctx, (bus) => bus.request(bus.subjects.control(r), { verb: 'live' }, 2_000)),
          );
      ctx.print(ctx.args.json ? JSON.stringify(mission, null, 2) : formatMission(mission, agent));
      return 0;
    }
    case 'cancel': {
      const id = needId(rest[0], 'cancel');
      const mission = await ask<Mission>(ctx, 'cancel', { id, by });
      const runner = mission.lease?.runner;
      ctx.print(
        ctx.args.json
          ? JSON.stringify(mission, null, 2)
          : `${mission.id} cancelled${runner ? ` (${runner} was told to stop)` : ''}`,
      );
      return 0;
    }
    case 'priority': {
      const id = needId(rest[0], 'priority');
      const to = rest[1];
      if (to === undefined || !(to === 'top' || to === 'bottom' || /^[1-9]\d*$/.test(to))) {
        throw new UsageError(
          'mission priority needs where to: top, bottom or a queue position from 1, e.g. `mission priority k2x9 top`',
        );
      }
      const mission = await ask<Mission>(ctx, 'priority', { id, to: /^\d+$/.test(to) ? Number(to) : to });
      ctx.print(
        ctx.args.json
          ? JSON.stringify(mission, null, 2)
          : `${mission.id} moved to the ${/^\d+$/.test(to) ? `position ${to}` : to} of the queue`,
      );
      return 0;
    }
    case 'pause': {
      const duration = rest[0];
      const record = await ask<{ until?: number }>(ctx, 'pause', { by, ...(duration ? { for: duration } : {}) });
      ctx.print(
        ctx.args.json
          ? JSON.stringify(record)
          : `dispatch paused${record.until ? ` until ${new Date(record.until).toLocaleString()}` : ''}; running missions finish`,
      );
      return 0;
    }
    case 'resume': {
      const record = await ask(ctx, 'resume', { by });
      ctx.print(ctx.args.json ? JSON.stringify(record) : 'dispatch resumed');
      return 0;
    }
    case 'approve':
    case 'reject':
      return approvalCommand(ctx, sub, rest, by, ask);
    default:
      throw new UsageError(
        `mission needs a subcommand: add, list, show, cancel, priority, approve, reject, pause or resume (got ${JSON.stringify(sub ?? '')})`,
      );
  }
}

function needId(id: string | undefined, verb: string): string {
  if (!id) throw new UsageError(`mission ${verb} needs a mission id (or the start of one), from \`mission list\``);
  return id;
}

/** One request to the missions service; refusals become plain messages without the subject. */
async function ask<T>(ctx: CommandContext, verb: string, payload: Record<string, unknown>): Promise<T> {
  return withBus(ctx, async (bus: Bus) => {
    const subject = bus.subjects.missions(verb);
    try {
      return await requestThroughFailover(() => bus.request<T>(subject, payload), {
        waitMs: failoverWaitMs(ctx.config),
        onWait: (ms) =>
          process.stderr.write(
            `roshi: no missions actor answers yet (a fail-over may be under way); waiting up to ${ms / 1000} s\n`,
          ),
      });
    } catch (error) {
      if (error instanceof RemoteError) throw new MissionRefusedError(describeError(error), error.code);
      if (error instanceof NoResponderError) {
        throw new BusError(
          `no missions actor is answering on ${subject}; is the supervisor running with actors.missions.enabled?`,
        );
      }
      throw error;
    }
  });
}

/** A refusal from the missions service (duplicate, unknown id, bad text): exit 1, message only. */
class MissionRefusedError extends RoshiError {
  constructor(
    message: string,
    override readonly code: string,
  ) {
    super(message);
  }
}

export function formatTable(reply: ListReply): string {
  const invalid = formatInvalid(reply.invalid ?? []);
  if (reply.missions.length === 0) return ['no missions', ...invalid].join('\n');
  const rows = reply.missions.map((m) => [
    m.id,
    statusCell(m),
    m.project,
    m.kind,
    oneLine(m.text, 60),
    `${m.attempts}/${m.maxAttempts}`,
  ]);
  const header = ['ID', 'STATUS', 'PROJECT', 'KIND', 'TEXT', 'ATTEMPTS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  const lines = [line(header), ...rows.map(line)];
  if (reply.missions.length < reply.total)
    lines.push(`… ${reply.total - reply.missions.length} more (use --json, or filter by status)`);
  const counts = Object.entries(reply.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s as MissionStatus}`)
    .concat(reply.archived ? [`${reply.archived} archived`] : [])
    .join(', ');
  if (counts) lines.push(counts);
  lines.push(...invalid);
  return lines.join('\n');
}

/** `pending (waits for <id> on <branch>)` for a mission that waits its turn on a branch, else the status. */
function statusCell(m: MissionReply): string {
  const waiting = readWaitingFor(m);
  return waiting ? `${m.status} (${waitingForText(waiting)})` : m.status;
}

/** Records in the bucket that are not missions: each id with what is wrong, so it can be fixed or deleted. */
function formatInvalid(invalid: ListReply['invalid']): string[] {
  if (invalid.length === 0) return [];
  const width = Math.max(...invalid.map((r) => r.id.length));
  return [
    `${invalid.length} invalid record${invalid.length === 1 ? '' : 's'} in the store (quarantined: fix or delete the key):`,
    ...invalid.map((r) => `  ${r.id.padEnd(width)}  INVALID  ${r.reason}`),
  ];
}

/** `agent`: what the agent of a running mission is doing (missionAgentState.ts), when known. */
export function formatMission(m: MissionReply, agent?: string): string {
  const time = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toLocaleString());
  const waiting = readWaitingFor(m);
  const rows: Array<[string, string | number | undefined]> = [
    ['id', m.id],
    ['status', m.status],
    ['waits for', waiting ? `${waiting.mission} on ${waiting.branch} (one mission per branch at a time)` : undefined],
    ['project', m.project],
    ['kind', m.kind],
    ['text', m.text],
    ['url', m.url],
    ['source', m.by ? `${m.source} (${m.by})` : m.source],
    ['order', m.order],
    ['attempts', `${m.attempts}/${m.maxAttempts}`],
    ['transient', `${m.transientAttempts}/${m.maxTransientAttempts}`],
    ['not before', time(m.notBefore)],
    ['lease', m.lease ? `${m.lease.runner} until ${time(m.lease.until)}` : undefined],
    ['approval', approvalRow(m)],
    ['agent', agent],
    ['last error', m.lastError],
    ['created', time(m.createdAt)],
    ['started', time(m.startedAt)],
    ['finished', time(m.finishedAt)],
  ];
  const r = m.result;
  if (r) {
    rows.push(
      ['summary', r.summary],
      ['branch', r.branch],
      ['pull request', r.prUrl],
      ['cost', r.costUsd === undefined ? undefined : `$${r.costUsd.toFixed(4)}`],
      [
        'tokens',
        r.tokens
          ? `${r.tokens.input} in, ${r.tokens.output} out, ${r.tokens.cacheRead} cache read, ${r.tokens.cacheWrite} cache write`
          : undefined,
      ],
      ['duration', r.durationMs === undefined ? undefined : `${Math.round(r.durationMs / 1000)}s`],
      ['outcome', r.errorClass],
      ['error', r.error],
    );
    for (const step of r.steps ?? [])
      rows.push([`step ${step.step}`, `${step.skipped ? 'skipped' : step.ok ? 'ok' : 'FAILED'} ${step.detail}`]);
  }
  const shown = rows.filter((row): row is [string, string | number] => row[1] !== undefined && row[1] !== '');
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown
    .map(([k, v]) => `${k.padEnd(width)}  ${String(v).replace(/\n/g, `\n${' '.repeat(width + 2)}`)}`)
    .join('\n');
}
