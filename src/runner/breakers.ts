// The fire-and-forget steps of the pipeline (usage record, journal, notification) each sit
// behind a circuit breaker the runner keeps for its lifetime. Lessons kept here: every call
// builds its own report (no shared default); a breaker never turns a failure into a success in
// the report; an open breaker skips the step and says so; breaker state is exported for status.
import { createActor, type Actor, type AnyActorRef, type SnapshotFrom } from 'xstate';
import {
  breakerFailure,
  breakerSuccess,
  breakerSummary,
  circuitBreakerMachine,
  type PersistedBreaker,
} from '../../machines/circuitBreaker.js';
import type { Logger } from '../log.js';
import type { StepReport } from '../contracts/index.js';

/** Per fire-and-forget sink call; a sink that hangs counts as a failure. */
export const DEFAULT_SINK_TIMEOUT_MS = 10_000;

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// ─── breakers ────────────────────────────────────────────────────────────────────────────────

export const FIRE_AND_FORGET = ['usage', 'journal', 'notify'] as const;
export type FireAndForgetStep = (typeof FIRE_AND_FORGET)[number];
type BreakerActor = Actor<typeof circuitBreakerMachine>;
type Clock = NonNullable<Parameters<typeof createActor<typeof circuitBreakerMachine>>[1]>['clock'];

export interface PipelineBreakers {
  readonly actors: Readonly<Record<FireAndForgetStep, BreakerActor>>;
  readonly maxConsecutiveFailures: number;
  readonly openForMs: number;
  /** Stops the actors (and their open-wait timers). */
  stop(): void;
}

export interface PipelineBreakersOptions {
  now: () => number;
  logger?: Logger;
  maxConsecutiveFailures?: number;
  openForMs?: number;
  /** xstate clock for the open wait (tests pass a SimulatedClock). */
  clock?: Clock;
  /** Resume persisted states (breakerStatus rows). */
  restore?: Partial<Record<FireAndForgetStep, PersistedBreaker>>;
}

/** One breaker per fire-and-forget step; the runner creates them once and passes them to every run. */
export function createPipelineBreakers(options: PipelineBreakersOptions): PipelineBreakers {
  const maxConsecutiveFailures = options.maxConsecutiveFailures ?? 3;
  const openForMs = options.openForMs ?? 60_000;
  const make = (step: FireAndForgetStep): BreakerActor => {
    const name = `pipeline.${step}`;
    const restore = options.restore?.[step];
    const actor = createActor(circuitBreakerMachine, {
      input: { maxConsecutiveFailures, openForMs, now: options.now(), name, ...(restore ? { restore } : {}) },
      ...(options.clock ? { clock: options.clock } : {}),
    });
    actor.on('*', (notice) => {
      const log = options.logger;
      if (!log) return;
      if (notice.type === 'CIRCUIT.OPENED') {
        log.warn(
          { breaker: name, failures: notice.failures, openUntil: notice.openUntil, reason: notice.reason },
          `circuit ${name} opened`,
        );
      } else log.info({ breaker: name, notice: notice.type }, `circuit ${name}: ${notice.type}`);
    });
    // An error in the machine must not become an uncaught exception in the runner.
    actor.subscribe({
      error: (error) => options.logger?.error({ breaker: name, err: error }, `circuit ${name} failed`),
    });
    actor.start();
    return actor;
  };
  const actors = { usage: make('usage'), journal: make('journal'), notify: make('notify') };
  return {
    actors,
    maxConsecutiveFailures,
    openForMs,
    stop: () => {
      for (const actor of Object.values(actors)) actor.stop();
    },
  };
}

export type BreakerStatusRow = { name: string } & PersistedBreaker;

/** For /status: one row per breaker (state, consecutive failures, open deadline, opens). */
export function breakerStatus(breakers: PipelineBreakers): BreakerStatusRow[] {
  return FIRE_AND_FORGET.map((step) => ({
    name: `pipeline.${step}`,
    ...breakerSummary(breakers.actors[step].getSnapshot()),
  }));
}

/** A status row with the last failure's words, for `roshi status` and /status. */
export type RunnerBreakerRow = BreakerStatusRow & { reason?: string };

/**
 * Every breaker of a runner: its dispatch breaker (the runner machine's child, systemId
 * `dispatchBreaker`; absent before the machine starts) and the pipeline's.
 */
export function runnerBreakerRows(breakers: PipelineBreakers, dispatch: AnyActorRef | undefined): RunnerBreakerRow[] {
  const row = (name: string, actor: AnyActorRef): RunnerBreakerRow => {
    const snapshot = actor.getSnapshot() as SnapshotFrom<typeof circuitBreakerMachine>;
    const reason = snapshot.context.reason;
    return { name, ...breakerSummary(snapshot), ...(reason === undefined ? {} : { reason }) };
  };
  return [
    ...(dispatch ? [row('dispatch', dispatch)] : []),
    ...FIRE_AND_FORGET.map((step) => row(`pipeline.${step}`, breakers.actors[step])),
  ];
}

// ─── fire-and-forget ─────────────────────────────────────────────────────────────────────────

/**
 * Runs a sink behind its breaker. Every call builds its own report (no shared default object),
 * and a skipped or failed call is reported as not ok: the breaker never turns a failure into a
 * success in the pipeline report.
 */
export async function guarded(
  input: { breakers: PipelineBreakers; now: () => number; sinkTimeoutMs?: number },
  which: FireAndForgetStep,
  step: string,
  fn: () => void | Promise<void>,
  okDetail: string,
): Promise<StepReport> {
  const breaker = input.breakers.actors[which];
  const before = breakerSummary(breaker.getSnapshot());
  if (before.state === 'open') {
    const until = before.openUntil === undefined ? '' : ` (retrying after ${new Date(before.openUntil).toISOString()})`;
    return {
      step,
      ok: false,
      skipped: true,
      detail: `skipped: circuit open after ${before.failures} failures${until}`,
    };
  }
  const timeoutMs = input.sinkTimeoutMs ?? DEFAULT_SINK_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    breaker.send(breakerSuccess(input.now()));
    return { step, ok: true, detail: before.state === 'halfOpen' ? `${okDetail} (circuit closed again)` : okDetail };
  } catch (error) {
    const message = errorText(error);
    breaker.send(breakerFailure(input.now(), message));
    const after = breakerSummary(breaker.getSnapshot());
    const circuit =
      after.state === 'open'
        ? `; circuit now open after ${after.failures} failures`
        : ` (${after.failures} of ${input.breakers.maxConsecutiveFailures} failures before the circuit opens)`;
    return { step, ok: false, detail: `failed: ${message}${circuit}` };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
