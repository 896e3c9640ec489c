// `roshi config check`: load and validate the configuration without starting anything.
// `roshi config nats-users`: the per-actor users block for an external nats-server, for this
// config's tree (the table the embedded server is started with; docs/subjects.md).
import { externalServerBlock, natsUsers } from '../bus/permissions.js';
import { describeSources } from '../config/index.js';
import { childNames } from '../supervisor/tree.js';
import { providerProblems } from '../adapters/messaging/providerCheck.js';
import { EXIT, UsageError } from '../errors.js';
import type { CommandContext } from './context.js';

export const summary =
  'config check — validate the configuration and print where it came from | config nats-users — the users block for an external nats-server (--json)';

export async function run(ctx: CommandContext): Promise<number> {
  const sub = ctx.args.positionals[0];
  if (sub === 'nats-users') {
    const users = natsUsers(ctx.config.prefix, childNames(ctx.config, false));
    ctx.print(ctx.args.json ? JSON.stringify(users, null, 2) : externalServerBlock(users).trimEnd());
    return 0;
  }
  if (sub !== 'check')
    throw new UsageError(`config has two subcommands, check and nats-users (got ${JSON.stringify(sub ?? '')})`);
  // commandContext() already loaded and validated it; what is left are the chat providers, whose
  // tokens live in the environment and whose ids have each provider's shape.
  const c = ctx.config;
  const problems = c.actors.bridge.enabled ? providerProblems(c, process.env) : [];
  if (problems.length > 0) {
    if (ctx.args.json) ctx.print(JSON.stringify({ ok: false, problems }, null, 2));
    else for (const problem of problems) ctx.print(`config: ${problem}`);
    return EXIT.config;
  }
  if (ctx.args.json) {
    ctx.print(JSON.stringify({ ok: true, file: ctx.configFile ?? null, stateDir: c.stateDir }, null, 2));
  } else {
    ctx.print(`config ok${ctx.configFile ? ` (${ctx.configFile} over the defaults)` : ' (defaults)'}`);
    ctx.print(`  state dir  ${c.stateDir}`);
    ctx.print(
      `  nats       ${c.nats.url ? c.nats.url.replace(/\/\/[^@/]*@/g, '//[redacted]@') : 'embedded nats-server'}`,
    );
    ctx.print(`  runners    ${c.actors.runner.enabled ? c.actors.runner.instances : 0}`);
    ctx.print(`  projects   ${Object.keys(c.projects).join(', ') || '(none)'}`);
    ctx.print('');
    for (const line of describeSources(ctx.loaded)) ctx.print(`  ${line}`);
  }
  return 0;
}
