// What the page shows beside the tree and the missions, each asked with the request the CLI and
// the chat use: the bridge's `providers` control verb (the outbox and, per chat provider, what
// still waits to be sent), the pr-poller's `status` (the followed PRs, those in the CI queue with
// their attempts) and, per running mission, its runner's `live` (retry, rate-limit, stall or
// budget state, as `mission show` words it) and its cost so far (spendSoFar.ts). A part whose
// actor is not in the tree is null.
import type { Bus } from '../bus/index.js';
import { askAgentState } from '../cli/missionAgentState.js';
import { parseActorName, type Mission } from '../contracts/index.js';
import { describeError } from '../errors.js';
import type { SpendSoFar } from './spendSoFar.js';

export interface ProviderRow {
  name: string;
  state: string;
  /** Messages waiting in the provider's channel: taken from the outbox, not yet sent. */
  queued: number | null;
  sent: number | null;
  failures: number | null;
  lastError: string | null;
}

export interface SideStatus {
  at: number;
  outbox:
    | { providers: ProviderRow[]; inFlight: number | null; received: number | null; delivered: number | null }
    | { error: string }
    | null;
  prs: { tracked: unknown[] } | { error: string } | null;
  /** Mission id → its agent's state in words, for the running missions that have one. */
  runs: Record<string, string>;
  /** Mission id → what its runs cost so far, for the running missions (spendSoFar.ts). */
  spend: Record<string, SpendSoFar>;
}

const ASK_MS = 2_000;

type Ask = (subject: string, payload: Record<string, unknown>) => Promise<unknown>;

export async function askSideStatus(
  bus: Pick<Bus, 'subjects' | 'request'>,
  children: readonly string[],
  running: readonly Mission[],
  spendOf: (missionId: string) => Promise<SpendSoFar | undefined> = async () => undefined,
): Promise<SideStatus> {
  const s = bus.subjects;
  const ask: Ask = (subject, payload) => bus.request(subject, payload, ASK_MS);
  // With several hosts each may run a bridge and a pr-poller; only the one holding the lease
  // answers (a standby refuses), so each is asked in turn.
  const ofKind = (kind: string) => children.filter((name) => parseActorName(name)?.kind === kind);
  const bridges = ofKind('bridge');
  const pollers = ofKind('pr-poller');
  const [outbox, prs, runs, spent] = await Promise.all([
    bridges.length > 0 ? firstAnswer(bridges, (name) => outboxOf(ask, s.control(name))) : null,
    pollers.length > 0
      ? firstAnswer(pollers, (name) =>
          ask(s.control(name), { verb: 'status' }).then(
            (reply) => ({ tracked: arrayOf((reply as { tracked?: unknown }).tracked) }),
            (error: unknown) => ({ error: describeError(error) }),
          ),
        )
      : null,
    Promise.all(
      running.map(async (m) => [m.id, await askAgentState(m, (r) => ask(s.control(r), { verb: 'live' }))] as const),
    ),
    Promise.all(running.map(async (m) => [m.id, await spendOf(m.id).catch(() => undefined)] as const)),
  ]);
  const states: Record<string, string> = {};
  for (const [id, text] of runs) if (text) states[id] = text;
  const spend: Record<string, SpendSoFar> = {};
  for (const [id, so] of spent) if (so) spend[id] = so;
  return { at: Date.now(), outbox, prs, runs: states, spend };
}

async function outboxOf(ask: Ask, subject: string): Promise<SideStatus['outbox']> {
  try {
    const reply = (await ask(subject, { verb: 'providers' })) as {
      providers?: Record<string, Record<string, unknown>>;
      outbox?: Record<string, unknown>;
    };
    const providers = Object.entries(reply.providers ?? {}).map(([name, p]) => {
      const send = (p.send ?? {}) as Record<string, unknown>;
      return {
        name,
        state: typeof p.state === 'string' ? p.state : 'unknown',
        queued: numberOr(send.queued),
        sent: numberOr(send.sent),
        failures: numberOr(send.failures),
        lastError: typeof send.lastError === 'string' ? send.lastError : null,
      };
    });
    const o = reply.outbox ?? {};
    return {
      providers,
      inFlight: numberOr(o.inFlight),
      received: numberOr(o.received),
      delivered: numberOr(o.delivered),
    };
  } catch (error) {
    return { error: describeError(error) };
  }
}

const numberOr = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The first of `names` whose answer is not an error, else the last error. */
async function firstAnswer<T>(names: readonly string[], askOne: (name: string) => Promise<T | { error: string }>) {
  let last: T | { error: string } = { error: 'no answer' };
  for (const name of names) {
    last = await askOne(name);
    if (!(last && typeof last === 'object' && 'error' in last)) return last;
  }
  return last;
}
