// What `roshi config check` says about the chat providers, before anything starts: each name in
// bridge.providers is known; each enabled provider can be built (its token variable is set — the
// value is never shown — and its chat, channel or room id has the provider's shape); and each
// bridge.allowedUsers / bridge.admins entry is "<known provider>:<user id of its shape>" or
// "<provider>:*". See docs/providers.md#checking-the-configuration.
import type { RoshiConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { silentLogger } from '../../log.js';
import { PROVIDER_NAMES } from './index.js';
import { createDiscordProvider } from './discord.js';
import { createMatrixProvider } from './matrix.js';
import { createSlackProvider } from './slack.js';
import { createTelegramProvider } from './telegram.js';
import type { ProviderDeps } from './http.js';

/** The shape of a user id per provider, as the allow-list compares it. */
const USER_SHAPES: Record<string, { test: RegExp; expected: string }> = {
  console: { test: /^\S+$/, expected: 'any name without spaces' },
  telegram: { test: /^\d+$/, expected: 'a numeric Telegram user id, e.g. 123456789' },
  slack: { test: /^[UW][A-Z0-9]{2,}$/, expected: 'a Slack member id, e.g. U024BE7LH' },
  matrix: { test: /^@[^:\s]+:\S+$/, expected: 'a Matrix user id, e.g. @ana:example.org' },
  discord: { test: /^\d{17,20}$/, expected: 'a Discord user id (17–20 digits), e.g. 80351110224678912' },
};

/** One sentence per problem; empty when the providers are fine. */
export function providerProblems(config: RoshiConfig, env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const known = new Set<string>(PROVIDER_NAMES);
  const deps = (withEnv: Record<string, string | undefined>): ProviderDeps => ({
    logger: silentLogger(),
    cursor: { load: async () => undefined, save: async () => undefined },
    env: withEnv,
  });
  const { telegram, slack, matrix, discord } = config.bridge;
  // Each builder checks the token variable first; the stand-in token lets its ids be checked too.
  const builders: Record<string, { tokenVariable: string; build: (e: Record<string, string | undefined>) => unknown }> =
    {
      telegram: { tokenVariable: telegram.tokenEnv, build: (e) => createTelegramProvider(telegram, deps(e)) },
      slack: { tokenVariable: slack.botTokenEnv, build: (e) => createSlackProvider(slack, deps(e)) },
      matrix: { tokenVariable: matrix.tokenEnv, build: (e) => createMatrixProvider(matrix, deps(e)) },
      discord: { tokenVariable: discord.tokenEnv, build: (e) => createDiscordProvider(discord, deps(e)) },
    };
  const names = config.bridge.providers.map((raw) => raw.trim().toLowerCase());
  for (const [i, name] of names.entries()) {
    if (!known.has(name)) {
      problems.push(
        `bridge.providers: unknown provider ${JSON.stringify(config.bridge.providers[i])}; known: ${PROVIDER_NAMES.join(', ')}`,
      );
      continue;
    }
    const builder = builders[name];
    if (!builder) continue;
    const tokenSet = (env[builder.tokenVariable] ?? '').trim() !== '';
    if (!tokenSet)
      problems.push(`${name}: the token variable ${builder.tokenVariable} is not set (bridge.${name} names it)`);
    const problem = buildProblem(() => builder.build(tokenSet ? env : { ...env, [builder.tokenVariable]: 'stand-in' }));
    if (problem) problems.push(`${name}: ${problem}`);
  }
  for (const key of ['allowedUsers', 'admins'] as const) {
    for (const raw of config.bridge[key]) problems.push(...entryProblems(`bridge.${key}`, raw, known));
  }
  return problems;
}

/** Why building a provider failed, in words; the token's value is never part of them. */
function buildProblem(build: () => unknown): string | undefined {
  try {
    build();
    return undefined;
  } catch (error) {
    return error instanceof ConfigError ? error.message.replace(/^config: /, '') : (error as Error).message;
  }
}

function entryProblems(key: string, raw: string, known: Set<string>): string[] {
  const entry = raw.trim();
  const colon = entry.indexOf(':');
  const shown = JSON.stringify(raw);
  if (colon <= 0 || colon === entry.length - 1)
    return [`${key}: ${shown} is not "<provider>:<user id>" (e.g. "telegram:123456789") and matches nobody`];
  const provider = entry.slice(0, colon).toLowerCase();
  const user = entry.slice(colon + 1);
  if (!known.has(provider))
    return [`${key}: ${shown} names an unknown provider ${JSON.stringify(provider)}; known: ${[...known].join(', ')}`];
  const shape = USER_SHAPES[provider];
  if (user === '*' || !shape || shape.test.test(user)) return [];
  return [`${key}: ${shown}: the user id is not ${shape.expected}`];
}
