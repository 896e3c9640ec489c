// The agent's stream file: followed while the CLI appends to it, and read back after a runner
// died to find a run that had finished (src/adapters/agent/followFile.ts, streamFile.ts).
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { followFile } from '../../src/adapters/agent/followFile.js';
import { finishedRunIn, streamFilePath } from '../../src/adapters/agent/streamFile.js';

const dir = mkdtempSync(join(tmpdir(), 'roshi-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const result = (fields: Record<string, unknown>) =>
  JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'all done', num_turns: 2, ...fields });

describe('followFile', () => {
  it('delivers lines appended while it follows, a split character whole, and a last line without newline', async () => {
    const path = join(dir, 'follow.jsonl');
    writeFileSync(path, 'one\n');
    let ended = false;
    const lines: string[] = [];
    const following = followFile(
      path,
      () => ended,
      (line) => lines.push(line),
    );
    await new Promise((r) => setTimeout(r, 60));
    const snow = Buffer.from('sn☃w\n');
    appendFileSync(path, snow.subarray(0, 4)); // the snowman's three bytes cut after the first
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(path, Buffer.concat([snow.subarray(4), Buffer.from('last')]));
    ended = true;
    await following;
    expect(lines).toEqual(['one', 'sn☃w', 'last']);
  });
});

describe('finishedRunIn', () => {
  it('names the file by mission and attempt, safe for a file name', () => {
    expect(streamFilePath('/s', 'a/b c', 3)).toBe('/s/a_b_c-attempt-3.jsonl');
  });

  it('finds the successful result a run printed, with its cost and turns', async () => {
    const path = join(dir, 'ok.jsonl');
    writeFileSync(path, `${JSON.stringify({ type: 'system', subtype: 'init' })}\n${result({ total_cost_usd: 0.5 })}\n`);
    expect(await finishedRunIn(path)).toMatchObject({ summary: 'all done', costUsd: 0.5, numTurns: 2 });
  });

  it('finds nothing in a run cut off before its result, a failed run, or no file', async () => {
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, `${JSON.stringify({ type: 'system', subtype: 'init' })}\n{"type":"resu`);
    const failed = join(dir, 'failed.jsonl');
    writeFileSync(failed, `${result({ is_error: true, api_error_status: 529 })}\n`);
    const maxTurns = join(dir, 'maxturns.jsonl');
    writeFileSync(maxTurns, `${result({ subtype: 'error_max_turns', result: undefined })}\n`);
    expect(await finishedRunIn(cut)).toBeUndefined();
    expect(await finishedRunIn(failed)).toBeUndefined();
    expect(await finishedRunIn(maxTurns)).toBeUndefined();
    expect(await finishedRunIn(join(dir, 'missing.jsonl'))).toBeUndefined();
  });
});
