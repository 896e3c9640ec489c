// `roshi drain [<host>] [--reason "…"] [--by who] [--force]`: takes a host out of service. Its
// runners finish the missions they run and claim no more, then its supervisor stops its tree and
// exits 0. `roshi drain --undo [<host>]` clears the mark. Without a host: this installation's own
// (host.id; "" on a single host). docs/scale-out.md#add-and-drain-a-host
import { hostname, userInfo } from 'node:os';
import { JsonKv, type Bus } from '../bus/index.js';
import { HOST_ID_PATTERN, parseActorName, readHeartbeat } from '../contracts/index.js';
import { drainText, hostLabel, type DrainRecord } from '../contracts/drain.js';
import { UsageError } from '../errors.js';
import { clearDrain, markDraining } from '../missions/hostDrain.js';
import { withBus } from './client.js';
import type { CommandContext } from './context.js';

export const summary =
  'drain [host] [--reason "…"]: the host\'s runners finish and claim no more, then its supervisor exits 0 (--undo clears it)';

export async function run(ctx: CommandContext): Promise<number> {
  const host = hostArgument(ctx);
  const undo = ctx.args.flags.undo === true;
  const by = typeof ctx.args.flags.by === 'string' ? ctx.args.flags.by : whoAsks();
  const reason = typeof ctx.args.flags.reason === 'string' ? ctx.args.flags.reason.trim() : '';
  return withBus(ctx, async (bus) => {
    const kv = await JsonKv.open(bus, bus.subjects.stateBucket);
    if (undo) {
      const was = await clearDrain(kv, host);
      if (!was) throw new UsageError(`${hostLabel(host)} is not drained; nothing to undo`);
      ctx.print(ctx.args.json ? JSON.stringify({ undone: was }) : undoneText(was));
      return 0;
    }
    // A typo must not mark a host that does not exist: another host must be heard on the bus first.
    if (host !== ctx.config.host.id && ctx.args.flags.force !== true) {
      await mustBeHeard(bus, host, Math.max(3 * ctx.config.heartbeat.interval, HEARD_FLOOR_MS));
    }
    const { record, created } = await markDraining(kv, { host, by, at: Date.now(), ...(reason ? { reason } : {}) });
    ctx.print(
      ctx.args.json
        ? JSON.stringify({ ...record, created })
        : created
          ? `${hostLabel(host)}: draining. Its runners finish the missions they run and claim no more; then its supervisor stops its tree and exits 0. Undo: node dist/main.js drain --undo${host ? ` ${host}` : ''}`
          : `already: ${drainText(record)}`,
    );
    return 0;
  });
}

function hostArgument(ctx: CommandContext): string {
  const [given, ...extra] = ctx.args.positionals;
  if (extra.length > 0)
    throw new UsageError(
      `drain takes one host id (got ${[given, ...extra].map((a) => JSON.stringify(a)).join(' ')}); a reason goes in --reason "…"`,
    );
  if (given === undefined) return ctx.config.host.id;
  if (!HOST_ID_PATTERN.test(given))
    throw new UsageError(
      `drain: ${JSON.stringify(given)} is not a host id (lower case letters and digits, starting with a letter, at most 16)`,
    );
  return given;
}

function whoAsks(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return 'cli';
  }
}

function undoneText(was: DrainRecord): string {
  const left =
    was.state === 'left'
      ? ` Its supervisor had left: start it again (e.g. sudo systemctl start roshi on ${was.host || 'it'}).`
      : '';
  return `${hostLabel(was.host)}: drain undone (it was drained by ${was.by}); its runners claim again.${left}`;
}

/**
 * The least time a drain listens for the host: three heartbeats of a fast tick (250 ms) are too
 * short for a loaded machine, where a host that is up can go unheard for a second.
 */
const HEARD_FLOOR_MS = 2_000;

/**
 * Resolves once an actor of `host` is heard on the bus (every actor heartbeats); refuses, naming
 * the hosts that were heard, when none is within `windowMs`.
 */
async function mustBeHeard(bus: Bus, host: string, windowMs: number): Promise<void> {
  const heard = new Set<string>();
  let found!: () => void;
  const seen = new Promise<void>((resolve) => (found = resolve));
  const unsubscribe = bus.subscribe(bus.subjects.heartbeatAll, readHeartbeat, (record) => {
    const from = parseActorName(record.actor)?.host;
    if (from === undefined) return;
    heard.add(from);
    if (from === host) found();
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), windowMs)));
  try {
    if (await Promise.race([seen.then(() => false), timedOut])) {
      const names = [...heard].map((h) => h || '(single host)').sort();
      throw new UsageError(
        `no actor of host ${JSON.stringify(host)} was heard on the bus within ${Math.round(windowMs / 1000)} s (heard: ${names.join(', ') || 'none'}); check the id, or add --force to mark a host that is down`,
      );
    }
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}
