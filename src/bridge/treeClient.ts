// The bridge's requests to the tree over the bus: the missions actor, the supervisor and the
// runners. A refusal, silence or nobody listening becomes a CommandError worded for the chat.
import { requestThroughFailover } from '../bus/throughFailover.js';
import { describeError, NoResponderError, RemoteError, TimeoutError } from '../errors.js';
import { isRunnerName, type Mission } from '../contracts/index.js';
import type { ListReply } from '../missions/service.js';
import type { TreeStatus } from '../supervisor/status.js';
import { askSystemStatus, mergedStatus } from '../supervisor/systemStatus.js';
import { oneLine } from '../text/oneLine.js';
import { CommandError, type BridgeApi, type CommandContext, type CommandReply } from './command.js';
import type { LiveReply } from './format.js';
import { messageIdentity } from './messageIdentity.js';

export async function ask<T>(
  api: BridgeApi,
  subject: string,
  payload: Record<string, unknown>,
  who: string,
  timeoutMs?: number,
): Promise<T> {
  return worded(api.request<T>(subject, payload, timeoutMs), subject, who);
}

/** A refusal, silence or nobody listening, worded for the chat. */
async function worded<T>(answer: Promise<T>, subject: string, who: string): Promise<T> {
  try {
    return await answer;
  } catch (error) {
    if (error instanceof RemoteError) throw new CommandError(describeError(error));
    if (error instanceof TimeoutError) throw new CommandError(`${who} did not answer in time; try again in a moment`);
    if (error instanceof NoResponderError)
      throw new CommandError(`${who} is not running right now (nobody answers on ${subject}); /status shows the tree`);
    throw error;
  }
}

/** A missions request; during the missions actor's fail-over "nobody is listening" is waited out. */
export function askMissions<T>(api: BridgeApi, verb: string, payload: Record<string, unknown>): Promise<T> {
  const subject = api.subjects.missions(verb);
  const answer = requestThroughFailover(() => api.request<T>(subject, payload), {
    waitMs: api.missionsFailoverMs ?? 0,
  });
  return worded(answer, subject, 'the missions actor');
}

export async function addMission(
  ctx: CommandContext,
  text: string,
  options: { project?: string; now?: boolean },
): Promise<CommandReply> {
  // Keyed by the message it came from: a redelivery after a crash gets this mission, not a second one.
  const mission = await askMissions<Mission>(ctx.api, 'add', {
    text,
    intake: messageIdentity(ctx.message),
    source: 'chat',
    by: ctx.by,
    ...(options.project ? { project: options.project } : {}),
    ...(options.now ? { now: true } : {}),
  });
  return {
    text: `⏳ queued ${mission.id} [${mission.project}] ${oneLine(mission.text, 80)}${options.now ? ' (at the head of the queue)' : ''}`,
    actions: [{ label: '✖ Cancel', command: `/cancel ${mission.id}` }],
  };
}

/** The mission an operator means: a position from /list ("2") or an id (or the start of one). */
export async function resolveMission(api: BridgeApi, ref: string): Promise<string> {
  if (!/^\d{1,4}$/.test(ref)) return ref;
  const position = Number(ref);
  const list = await askMissions<ListReply>(api, 'list', {
    status: ['running', 'pending'],
    limit: Math.max(1, position),
  });
  const mission = list.missions[position - 1];
  if (!mission)
    throw new CommandError(`there is no #${position} in the queue (${list.total} running or pending); /list shows it`);
  return mission.id;
}

/** Every host's children in one tree (docs/scale-out.md#hosts-and-names); one host's as always. */
export async function treeStatus(api: BridgeApi): Promise<TreeStatus> {
  if (!api.requestAll) return ask<TreeStatus>(api, api.subjects.supStatus, {}, 'the supervisor');
  const gather = { request: api.request.bind(api), requestAll: api.requestAll.bind(api) };
  const statuses = await worded(
    askSystemStatus(gather, api.subjects.supStatus, undefined),
    api.subjects.supStatus,
    'the supervisors',
  );
  return mergedStatus(statuses);
}

export const isRunner = isRunnerName;

export async function runnerLive(
  api: BridgeApi,
  runners: string[],
): Promise<Array<LiveReply | { runner: string; error: string }>> {
  return Promise.all(
    runners.map(async (runner) => {
      try {
        return await api.request<LiveReply>(api.subjects.control(runner), { verb: 'live' }, 2_000);
      } catch (error) {
        return { runner, error: describeError(error) };
      }
    }),
  );
}

export async function runnerNames(api: BridgeApi): Promise<string[]> {
  const tree = await treeStatus(api);
  return tree.children.map((c) => c.name).filter(isRunner);
}

/** The value, or the error in words: for /status, which shows what it could get. */
export const settle = async <T>(promise: Promise<T>): Promise<T | { error: string }> => {
  try {
    return await promise;
  } catch (error) {
    return { error: describeError(error) };
  }
};
