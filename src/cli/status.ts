// `roshi status [--json]`: the supervision tree as the running supervisor sees it.
import { JsonKv } from '../bus/index.js';
import { isHeldAt, readHold, type DispatchHold } from '../missions/dispatchHold.js';
import { isPausedAt, readPause, type PauseRecord } from '../missions/pause.js';
import type { TreeStatus } from '../supervisor/status.js';
import { askOpenBreakers } from '../supervisor/openBreakers.js';
import { formatStatus } from '../supervisor/status.js';
import type { BudgetReport } from '../usage/budgetService.js';
import { budgetHeldLine } from '../usage/budgetText.js';
import { readWebUrl } from '../web/urlFile.js';
import { withBus } from './client.js';
import type { CommandContext } from './context.js';
import { isRunnerName } from '../contracts/index.js';

export const summary =
  'print the tree: state, pid, uptime, restarts, tier, circuit, last verdict, open breakers (--json, --watch)';

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.flags.watch === true) return (await import('./statusWatch.js')).watch(ctx);
  const { status, openBreakers, budget, dispatch } = await withBus(ctx, async (bus) => {
    const status = await bus.request<TreeStatus>(bus.subjects.supStatus, {});
    // The runners' breakers (dispatch, pipeline): only each runner knows its own.
    const runners = status.children.map((c) => c.name).filter(isRunnerName);
    const openBreakers = await askOpenBreakers(runners, (runner) =>
      bus.request(bus.subjects.control(runner), { verb: 'breakers' }, 2_000),
    );
    // A reached day budget holds dispatch (docs/missions.md#spend-and-budgets): the missions actor knows.
    const budget = status.children.some((c) => c.name === 'missions')
      ? await bus.request<BudgetReport>(bus.subjects.missions('budget'), { verb: 'show' }, 2_000).catch(() => undefined)
      : undefined;
    // Pause and the rate-limit hold every runner respects (docs/missions.md#rate-limits-held-in-common).
    const dispatch = await JsonKv.open(bus, bus.subjects.stateBucket)
      .then(async (kv) => ({ pause: await readPause(kv), hold: await readHold(kv) }))
      .catch(() => undefined);
    return { status, openBreakers, budget, dispatch };
  });
  const dispatchLine = dispatch ? dispatchText(dispatch.pause, dispatch.hold, Date.now()) : undefined;
  const held = budget?.hold ? `\n\n${budgetHeldLine(budget.hold.reached)}` : '';
  // The live page's address (the web actor writes it); only while the tree has a web actor.
  const webUrl = status.children.some((c) => c.name === 'web') ? readWebUrl(ctx.config.stateDir) : undefined;
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
      : `${formatStatus(status, { openBreakers })}${dispatchLine ? `\n\ndispatch   ${dispatchLine}` : ''}${held}${webUrl ? `\n\nweb        ${webUrl} (log in: node dist/main.js web login)` : ''}`,
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
