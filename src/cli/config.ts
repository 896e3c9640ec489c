// `roshi config check`: load and validate the configuration without starting anything.
import { describeSources } from '../config/index.js';
import { UsageError } from '../errors.js';
import type { CommandContext } from './context.js';

export const summary = 'config check — validate the configuration and print where it came from';

export async function run(ctx: CommandContext): Promise<number> {
  const sub = ctx.args.positionals[0];
  if (sub !== 'check') throw new UsageError(`config has one subcommand, check (got ${JSON.stringify(sub ?? '')})`);
  // commandContext() already loaded and validated it; reaching this line means it is valid.
  const c = ctx.config;
  if (ctx.args.json) {
    ctx.print(JSON.stringify({ ok: true, file: ctx.configFile ?? null, stateDir: c.stateDir }, null, 2));
  } else {
    ctx.print(`config ok${ctx.configFile ? ` (${ctx.configFile} over the defaults)` : ' (defaults)'}`);
    ctx.print(`  state dir  ${c.stateDir}`);
    ctx.print(`  nats       ${c.nats.url ? c.nats.url.replace(/\/\/[^@/]*@/g, '//[redacted]@') : 'embedded nats-server'}`);
    ctx.print(`  runners    ${c.actors.runner.enabled ? c.actors.runner.instances : 0}`);
    ctx.print(`  projects   ${Object.keys(c.projects).join(', ') || '(none)'}`);
    ctx.print('');
    for (const line of describeSources(ctx.loaded)) ctx.print(`  ${line}`);
  }
  return 0;
}
