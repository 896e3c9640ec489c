// `roshi config check`: load and validate the configuration without starting anything.
// `roshi config nats-users [<host config>…]`: the per-actor users block for an external
// nats-server, for this config's tree (the table the embedded server is started with;
// docs/subjects.md), or for every host's tree when each host's config file is named
// (docs/scale-out.md#hosts-and-names).
import { externalServerBlock, natsUsers } from '../bus/permissions.js';
import { describeSources, loadConfig, type RoshiConfig } from '../config/index.js';
import { childNames } from '../supervisor/tree.js';
import { providerProblems } from '../adapters/messaging/providerCheck.js';
import { EXIT, UsageError } from '../errors.js';
import type { CommandContext } from './context.js';

export const summary =
  'config check — validate the configuration and print where it came from | config nats-users [<host config>…] — the users block for an external nats-server, for every host named (--json)';

export async function run(ctx: CommandContext): Promise<number> {
  const sub = ctx.args.positionals[0];
  if (sub === 'nats-users') {
    const users = natsUsers(ctx.config.prefix, systemActors(ctx.config, ctx.args.positionals.slice(1)));
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

/**
 * The actors of the whole system: this config's tree, or, with host config files named, each
 * file's tree (one per host, the same prefix, distinct host ids: one block for the cluster).
 */
export function systemActors(config: RoshiConfig, hostFiles: readonly string[]): string[] {
  if (hostFiles.length === 0) return childNames(config, false);
  const hosts = new Map<string, string>();
  const actors: string[] = [];
  for (const file of hostFiles) {
    const host = loadConfig({ file, env: {} }).config;
    if (host.prefix !== config.prefix)
      throw new UsageError(`${file}: prefix ${host.prefix} is not ${config.prefix}; one block serves one prefix`);
    const id = host.host.id;
    const seen = hosts.get(id);
    if (seen !== undefined)
      throw new UsageError(
        id === ''
          ? `${file} and ${seen} both leave host.id empty: give each host its own host.id`
          : `${file} and ${seen} both have host.id ${id}: give each host its own`,
      );
    hosts.set(id, file);
    actors.push(...childNames(host, false));
  }
  const unnamed = hosts.get('');
  if (hosts.size > 1 && unnamed !== undefined)
    throw new UsageError(`${unnamed} has no host.id: with several hosts, each needs one`);
  return actors;
}
