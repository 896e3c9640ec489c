// `roshi status [--json]`: the supervision tree as the running supervisor sees it.
import type { TreeStatus } from '../supervisor/status.js';
import { formatStatus } from '../supervisor/status.js';
import { withBus } from './client.js';
import type { CommandContext } from './context.js';

export const summary = 'print the tree: state, pid, uptime, restarts, tier, circuit, last verdict (--json)';

export async function run(ctx: CommandContext): Promise<number> {
  const status = await withBus(ctx, (bus) => bus.request<TreeStatus>(bus.subjects.supStatus, {}));
  ctx.print(ctx.args.json ? JSON.stringify(status, null, 2) : formatStatus(status));
  return 0;
}
