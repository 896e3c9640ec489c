// `roshi status --watch [--interval S]`: the tree, the running missions and their age, redrawn
// in place like `watch` until q or Ctrl-C. On a terminal it takes the alternate screen and raw
// keys; piped, it prints one frame after another, each ended by a separator line.
// See docs/observability.md#status---watch.
import type { Bus } from '../bus/index.js';
import type { MissionReply } from '../contracts/missionReply.js';
import { UsageError } from '../errors.js';
import type { ListReply } from '../missions/service.js';
import { askOpenBreakers, type OpenBreaker } from '../supervisor/openBreakers.js';
import { duration, formatStatus, type TreeStatus } from '../supervisor/status.js';
import { askSystemStatus, mergedStatus } from '../supervisor/systemStatus.js';
import { oneLine } from '../text/oneLine.js';
import { withBus } from './client.js';
import type { CommandContext } from './context.js';
import { isRunnerName } from '../contracts/index.js';

export const FRAME_SEPARATOR = '-'.repeat(72);
const ESC = '\x1b[';

/** What one frame shows; each part is what the tree answered, or why it did not. */
export interface WatchView {
  status: TreeStatus | { error: string };
  missions: ListReply | { error: string };
  openBreakers: readonly OpenBreaker[];
}

/** One frame as text, without terminal control sequences. */
export function watchFrame(view: WatchView, now: number): string {
  const lines = [`roshi status --watch  ${new Date(now).toISOString().slice(11, 19)} UTC  (q or Ctrl-C quits)`, ''];
  if ('error' in view.status) lines.push(`supervisor not answering: ${view.status.error}`);
  else lines.push(formatStatus(view.status, { openBreakers: view.openBreakers, now }));
  lines.push('');
  if ('error' in view.missions) {
    lines.push(`missions not answering: ${view.missions.error}`);
    return lines.join('\n');
  }
  const running = view.missions.missions.filter((m) => m.status === 'running');
  lines.push(`RUNNING MISSIONS (${running.length})`);
  for (const m of running) lines.push(missionLine(m, now));
  const counts = Object.entries(view.missions.counts)
    .filter(([status, n]) => n > 0 && status !== 'running')
    .map(([status, n]) => `${n} ${status}`);
  if (counts.length > 0) lines.push(counts.join(', '));
  return lines.join('\n');
}

function missionLine(m: MissionReply, now: number): string {
  const age = m.startedAt ? duration(Math.max(0, now - m.startedAt)) : '-';
  return [m.id.padEnd(10), (m.lease?.runner ?? '-').padEnd(10), age.padEnd(9), oneLine(m.text, 60)].join(' ');
}

export async function watch(ctx: CommandContext): Promise<number> {
  const intervalMs = intervalFlag(ctx.args.flags.interval);
  const tty = process.stdout.isTTY === true;
  return withBus(ctx, async (bus) => {
    const quit = quitSignal();
    if (tty) process.stdout.write(`${ESC}?1049h${ESC}?25l`);
    try {
      while (!quit.done) {
        const frame = watchFrame(await gather(bus, ctx.config.host.id), Date.now());
        if (tty) process.stdout.write(`${ESC}H${frame.split('\n').join(`${ESC}K\n`)}${ESC}K${ESC}J`);
        else process.stdout.write(`${frame}\n${FRAME_SEPARATOR}\n`);
        await quit.within(intervalMs);
      }
    } finally {
      quit.release();
      if (tty) process.stdout.write(`${ESC}?25h${ESC}?1049l`);
    }
    return 0;
  });
}

async function gather(bus: Bus, hostId: string): Promise<WatchView> {
  const [status, missions] = await Promise.all([
    // Several hosts: every host's children in one table (docs/scale-out.md#hosts-and-names).
    askSystemStatus(bus, bus.subjects.supStatus, hostId)
      .then(mergedStatus)
      .catch((e: Error) => ({ error: e.message })),
    bus
      .request<ListReply>(bus.subjects.missions('list'), { status: 'running' })
      .catch((e: Error) => ({ error: e.message })),
  ]);
  const runners = 'error' in status ? [] : status.children.map((c) => c.name).filter(isRunnerName);
  const openBreakers = await askOpenBreakers(runners, (runner) =>
    bus.request(bus.subjects.control(runner), { verb: 'breakers' }, 2_000),
  );
  return { status, missions, openBreakers };
}

/** Ends on q, Q or Ctrl-C typed (raw keys on a terminal, a line on a pipe), SIGINT or SIGTERM. */
function quitSignal() {
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const state = {
    done: false,
    within: (ms: number) =>
      new Promise<void>((resolve) => {
        if (state.done) return resolve();
        wake = resolve;
        timer = setTimeout(resolve, ms);
      }),
    release: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdin.off('data', onKey);
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      process.stdin.pause();
    },
  };
  function stop() {
    state.done = true;
    clearTimeout(timer);
    wake?.();
  }
  function onKey(data: Buffer) {
    if (/[qQ\x03]/.test(data.toString('latin1'))) stop();
  }
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.on('data', onKey);
  return state;
}

function intervalFlag(value: string | boolean | undefined): number {
  if (value === undefined) return 1_000;
  const seconds = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600)
    throw new UsageError(`--interval takes seconds between redraws, 0.1 to 3600 (got ${JSON.stringify(value)})`);
  return Math.round(seconds * 1000);
}
