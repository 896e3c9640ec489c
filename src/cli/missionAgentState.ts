// What the agent of a running mission is doing right now, for `mission show`: its runner's live
// progress (the `live` control verb) worded when the agent waits out an API retry ("rate
// limited, retry 8/10, next in 34 s"). Nothing when the mission is not running or the runner
// does not answer: the record alone is still shown.
import { describeRetry, retryStateOf } from '../adapters/agent/retryState.js';
import { stallStateOf } from '../adapters/agent/stallState.js';
import type { Mission } from '../contracts/index.js';

/** The runner's `live` reply, as far as this reads it. */
interface LiveReply {
  mission?: { id?: string } | null;
  progress?: Array<{ kind: string; text?: string; retry?: Parameters<typeof describeRetry>[0] }>;
}

/** The agent's retry state in words, else its stall or budget state, or undefined. */
export function agentStateText(mission: Mission, live: unknown, now: number): string | undefined {
  if (typeof live !== 'object' || live === null) return undefined;
  const reply = live as LiveReply;
  if (reply.mission?.id !== mission.id || !Array.isArray(reply.progress)) return undefined;
  const retry = retryStateOf(reply.progress);
  return retry ? describeRetry(retry, now) : stallStateOf(reply.progress);
}

/** Asks the mission's runner; a runner that does not answer within `ask`'s timeout gives nothing. */
export async function askAgentState(
  mission: Mission,
  ask: (runner: string) => Promise<unknown>,
  now: () => number = Date.now,
): Promise<string | undefined> {
  const runner = mission.status === 'running' ? mission.lease?.runner : undefined;
  if (!runner) return undefined;
  const live = await ask(runner).catch(() => undefined);
  return agentStateText(mission, live, now());
}
