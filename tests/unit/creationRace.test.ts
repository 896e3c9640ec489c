// A creation that meets another creation of the same asset is asked again until it finds the
// winner's; any other error, or contention past the last attempt, is the caller's.
import { describe, expect, it } from 'vitest';
import { despiteCreationRace, isCreationContention } from '../../src/bus/creationRace.js';

/** A JetStream API error as the NATS client throws it. */
function apiError(errCode: number, description: string): Error {
  return Object.assign(new Error(description), { api_error: { code: 400, err_code: errCode, description } });
}

const overlap = () => apiError(10065, 'subjects overlap with an existing stream');
const noWait = async () => {};

describe('a creation racing another', () => {
  it('knows "subjects overlap", "name already in use" and a withdrawn stream as contention, nothing else', () => {
    expect(isCreationContention(overlap())).toBe(true);
    expect(isCreationContention(apiError(10058, 'stream name already in use'))).toBe(true);
    expect(isCreationContention(apiError(10059, 'stream not found'))).toBe(true);
    expect(isCreationContention(apiError(10023, 'insufficient resources'))).toBe(false);
    expect(isCreationContention(Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' }))).toBe(false);
    expect(isCreationContention(undefined)).toBe(false);
  });

  it('asks again after contention and returns what the winner left', async () => {
    const answers = [overlap(), overlap(), 'adopted'];
    const waits: number[] = [];
    const result = await despiteCreationRace(
      async () => {
        const next = answers.shift();
        if (next instanceof Error) throw next;
        return next;
      },
      async (ms) => void waits.push(ms),
    );
    expect(result).toBe('adopted');
    expect(waits).toEqual([250, 250]);
  });

  it('throws any other error at once, and contention after the last attempt', async () => {
    let calls = 0;
    const refused = apiError(10023, 'insufficient resources');
    await expect(
      despiteCreationRace(async () => {
        calls++;
        throw refused;
      }, noWait),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      despiteCreationRace(async () => {
        calls++;
        throw overlap();
      }, noWait),
    ).rejects.toThrow(/subjects overlap/);
    expect(calls).toBe(8);
  });
});
