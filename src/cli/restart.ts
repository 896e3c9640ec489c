// `roshi restart <actor>`: ask the supervisor for a cooperative restart (or, when the actor's
// circuit is open, for a reset of the circuit and a fresh start).
import { UsageError } from '../errors.js';
import { withBus } from './client.js';
import type { CommandContext } from './context.js';

export const summary = 'ask the supervisor to restart an actor (resets an open circuit)';

export async function run(ctx: CommandContext): Promise<number> {
  const actor = ctx.args.positionals[0];
  if (!actor) throw new UsageError('restart needs an actor name, e.g. `node dist/main.js restart chat`');
  const reply = await withBus(ctx, (bus) =>
    bus.request<{ from: string; circuitReset: boolean }>(bus.subjects.supRestart, {
      actor,
      by: ctx.args.flags.by ?? 'cli',
    }),
  );
  ctx.print(
    ctx.args.json
      ? JSON.stringify(reply)
      : `${actor}: ${reply.circuitReset ? 'circuit reset, starting' : 'restarting'} (was ${reply.from})`,
  );
  return 0;
}
