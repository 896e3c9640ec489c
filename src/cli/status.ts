// `roshi status [--json]`: the supervision tree as the running supervisor sees it.
import { JsonKv } from '../bus/index.js';
import { isHeldAt, readHold, type DispatchHold } from '../missions/dispatchHold.js';
import { isPausedAt, readPause, type PauseRecord } from '../missions/pause.js';
import { askOpenBreakers } from '../supervisor/openBreakers.js';
import { askSystemStatus, formatSystemStatus } from '../supervisor/systemStatus.js';
import type { BudgetReport } from '../usage/budgetService.js';
import { budgetHeldLine } from '../usage/budgetText.js';
import { readWebUrl } from '../web/urlFile.js';
import { withBus } from './client.js';
import { drainLines, readDrains } from './drainStatus.js';
import type { CommandContext } from './context.js';
import { isOnHost, isRunnerName, parseActorName } from '../contracts/actorName.js';

export const summary =
  'print the tree: state, pid, uptime, restarts, tier, circuit, last verdict, open breakers (--json, --watch)';

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.flags.watch === true) return (await import('./statusWatch.js')).watch(ctx);
  const { statuses, openBreakers, budget, dispatch } = await withBus(ctx, async (bus) => {
    // Every host's supervisor answers for its own tree (docs/scale-out.md#hosts-and-names).
    const statuses = await askSystemStatus(bus, bus.subjects.supStatus, ctx.config.host.id);
    const children = statuses.flatMap((s) => s.children);
    // The runners' breakers (dispatch, pipeline): only each runner knows its own.
    const runners = children.map((c) => c.name).filter(isRunnerName);
    const openBreakers = await askOpenBreakers(runners, (runner) =>
      bus.request(bus.subjects.control(runner), { verb: 'breakers' }, 2_000),
    );
    // A reached day budget holds dispatch (docs/missions.md#spend-and-budgets): the missions actor knows.
    const budget = children.some((c) => parseActorName(c.name)?.kind === 'missions')
      ? await bus.request<BudgetReport>(bus.subjects.missions('budget'), { verb: 'show' }, 2_000).catch(() => undefined)
      : undefined;
    // Pause and the rate-limit hold every runner respects (docs/missions.md#rate-limits-held-in-common),
    // and the drained hosts (docs/scale-out.md#add-and-drain-a-host).
    const dispatch = await JsonKv.open(bus, bus.subjects.stateBucket)
      .then(async (kv) => ({ pause: await readPause(kv), hold: await readHold(kv), drains: await readDrains(kv) }))
      .catch(() => undefined);
    return { statuses, openBreakers, budget, dispatch };
  });
  const dispatchLine = dispatch ? dispatchText(dispatch.pause, dispatch.hold, Date.now()) : undefined;
  const held = budget?.hold ? `\n\n${budgetHeldLine(budget.hold.reached)}` : '';
  // The live page's address (the web actor writes it); only while the tree has a web actor.
  // This host's page (the state dir is this host's).
  const webUrl = statuses
    .flatMap((s) => s.children)
    .some((c) => parseActorName(c.name)?.kind === 'web' && isOnHost(c.name, ctx.config.host.id))
    ? readWebUrl(ctx.config.stateDir)
    : undefined;
  // One host: its tree's fields at the top, as always; several: one entry per host.
  const status = statuses.length === 1 ? statuses[0]! : { hosts: statuses };
  ctx.print(
    ctx.args.json
      ? JSON.stringify(
          {
            ...status,
            openBreakers,
            ...(budget?.hold ? { dayBudgetHold: budget.hold } : {}),
            ...(dispatch ? { dispatch } : {}),
            ...(webUrl ? { web: { url: webUrl } } : {}),
          },
          null,
          2,
        )
      : `${formatSystemStatus(statuses, { openBreakers })}${dispatchLine ? `\n\ndispatch   ${dispatchLine}` : ''}${dispatch?.drains.length ? `\n\n${drainLines(dispatch.drains).join('\n')}` : ''}${held}${webUrl ? `\n\nweb        ${webUrl} (log in: node dist/main.js web login)` : ''}`,
  );
  return 0;
}

/** Why no runner claims now, in one line; undefined while dispatch runs. */
export function dispatchText(pause: PauseRecord, hold: DispatchHold | undefined, now: number): string | undefined {
  if (isPausedAt(pause, now))
    return `paused by ${pause.by}${pause.until ? ` until ${new Date(pause.until).toISOString()}` : ''}`;
  if (isHeldAt(hold, now))
    return `held until ${new Date(hold.until).toISOString()} (${hold.by}: ${hold.reason}); claims resume by themselves`;
  return undefined;
}
