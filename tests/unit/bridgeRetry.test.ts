// /retry: a failed or cancelled mission queued again as a new one that knows how the last ended.
import { describe, expect, it } from 'vitest';
import { subjectsFor } from '../../src/bus/index.js';
import type { BridgeApi, CommandContext } from '../../src/bridge/commands.js';
import { retryCommand, retryContext } from '../../src/bridge/retry.js';
import type { Mission } from '../../src/contracts/index.js';
import { BusError, NoResponderError } from '../../src/errors.js';

const subjects = subjectsFor('roshi');

const failed = {
  id: 'mx7aaaaaaaa',
  text: '/ci_check https://github.com/o/r/pull/7',
  project: 'app',
  kind: 'ci_check',
  status: 'failed',
  context: 'job lint failed',
  result: { summary: '', error: 'agent ended without a result; killed by SIGKILL' },
} as unknown as Mission;

function world(mission: Mission) {
  const adds: Array<Record<string, unknown>> = [];
  const api: BridgeApi = {
    subjects,
    request: async <T>(subject: string, payload: Record<string, unknown>) => {
      if (subject === subjects.missions('get')) {
        if (payload.id !== mission.id) throw new BusError(`unknown mission ${String(payload.id)}`);
        return mission as T;
      }
      if (subject === subjects.missions('add')) {
        adds.push(payload);
        return { ...mission, id: 'mx7bbbbbbbb', status: 'pending', text: payload.text } as T;
      }
      throw new NoResponderError(`${subject}: nobody is listening`);
    },
    now: () => 0,
    readPause: async () => undefined,
    usageFile: '/nonexistent',
    update: async () => {},
  };
  const ctx = (args: string): CommandContext => ({
    args,
    by: 'telegram:1',
    message: { provider: 'telegram', chatId: '1', userId: '1', text: `/retry ${args}`, messageId: '9', at: 0 },
    api,
    reply: async () => {},
  });
  return { adds, ctx };
}

describe('/retry', () => {
  it('queues the same text and project again, told which mission it retries and why that one ended', async () => {
    const { adds, ctx } = world(failed);
    const reply = await retryCommand.run(ctx(failed.id));
    expect(adds).toEqual([
      {
        text: failed.text,
        project: 'app',
        context: retryContext(failed),
        intake: 'telegram:1:9',
        source: 'chat',
        by: 'telegram:1',
      },
    ]);
    expect(retryContext(failed)).toContain(`retries mission ${failed.id}, which ended failed: agent ended without`);
    expect(retryContext(failed)).toContain('job lint failed');
    expect(reply).toEqual({
      text: expect.stringContaining('queued mx7bbbbbbbb') as unknown as string,
      actions: [{ label: '✖ Cancel', command: '/cancel mx7bbbbbbbb' }],
    });
  });

  it('refuses a mission that did not fail or was not cancelled, and says what to give', async () => {
    const { adds, ctx } = world({ ...failed, status: 'done' } as Mission);
    await expect(retryCommand.run(ctx(failed.id))).rejects.toThrow(
      `${failed.id} is done: only a failed or cancelled mission can be retried`,
    );
    await expect(retryCommand.run(ctx(''))).rejects.toThrow('which mission? /retry <id>');
    expect(adds).toEqual([]);
  });
});
