// The per-test rig of a messaging provider's integration test: a fake service started before each
// test, the providers a test makes stopped after it, and the log captured so that every test ends
// by proving no secret of the fake reached a log line.
import { afterEach, beforeEach, expect } from 'vitest';
import type { Cursor, InboundMessage, MessagingProvider } from '../../src/adapters/messaging/types.js';
import type { Logger } from '../../src/log.js';
import { capturingLogger } from './logCapture.js';
import { MemoryCursor } from './memoryCursor.js';

/** What a test may vary when it makes a provider. */
export interface ProviderOptions<S> {
  cursor?: Cursor;
  token?: string;
  settings?: Partial<S>;
}

export interface ProviderRig<F> {
  fake: F;
  logger: Logger;
  logLines: string[];
  /** Provider deps as the tests give them: the captured logger, fast retries and poll floor, a fresh cursor unless given. */
  deps(cursor: Cursor | undefined, env: Record<string, string>): ProviderDeps;
  /** Registers `provider` to be stopped after the test. */
  track(provider: MessagingProvider): MessagingProvider;
}

interface ProviderDeps {
  logger: Logger;
  cursor: Cursor;
  env: Record<string, string>;
  retry: { minMs: number; maxMs: number };
  receiveFloorMs: number;
}

/** Registers the hooks; `secrets` names what must never be logged. */
export function providerRig<F extends { stop(): Promise<void> }>(
  start: () => Promise<F>,
  secrets: (fake: F) => string[],
): ProviderRig<F> {
  let providers: MessagingProvider[] = [];
  const rig: ProviderRig<F> = {
    fake: undefined as unknown as F,
    logger: undefined as unknown as Logger,
    logLines: [],
    deps: (cursor, env) => ({
      logger: rig.logger,
      cursor: cursor ?? new MemoryCursor(),
      env,
      retry: FAST_RETRY,
      receiveFloorMs: FAST_FLOOR_MS,
    }),
    track: (provider) => {
      providers.push(provider);
      return provider;
    },
  };
  beforeEach(async () => {
    rig.fake = await start();
    providers = [];
    ({ logger: rig.logger, lines: rig.logLines } = capturingLogger('trace'));
  });
  afterEach(async () => {
    for (const provider of providers) await provider.stop();
    await rig.fake.stop();
    const logs = rig.logLines.join('');
    for (const secret of secrets(rig.fake)) expect(logs).not.toContain(secret);
  });
  return rig;
}

const FAST_RETRY = { minMs: 50, maxMs: 200 };
/** The receive floor for these tests, whose fakes answer at once (the floor has its own test). */
const FAST_FLOOR_MS = 20;

/** An onMessage handler that keeps what it is handed, in order. */
export function collector() {
  const received: InboundMessage[] = [];
  return { received, onMessage: async (m: InboundMessage) => void received.push(m) };
}

/**
 * The test file's `provider(options)`: `create` with the options' settings over the file's
 * defaults, the rig's deps, and `env(token)` as the environment (the token the options name, if any).
 */
export function providerMaker<F, S>(
  rig: ProviderRig<F>,
  create: (settings: S, deps: ProviderDeps) => MessagingProvider,
  settings: (overrides?: Partial<S>) => S,
  env: (token: string | undefined) => Record<string, string>,
): (options?: ProviderOptions<S>) => MessagingProvider {
  return (options = {}) => rig.track(create(settings(options.settings), rig.deps(options.cursor, env(options.token))));
}
