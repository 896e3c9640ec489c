// Long answers are split, not cut: an 11 000-character answer of a finished run reaches the
// bridge whole (the agent adapter does not clip it to one message), and the bridge's splitter
// cuts it at paragraph breaks into pieces the provider takes, losing nothing.
import { describe, expect, it } from 'vitest';
import { runResult } from '../../src/adapters/agent/runResult.js';
import { RunTranscript } from '../../src/adapters/agent/runTranscript.js';
import type { ResultEvent } from '../../src/adapters/agent/streamJson.js';
import { splitMessage } from '../../src/bridge/split.js';
import { silentLogger } from '../../src/log.js';

/** Paragraphs of a few hundred characters, each a numbered line of words, blank lines between. */
function longAnswer(length: number): string {
  const paragraphs: string[] = [];
  for (let n = 1; paragraphs.join('\n\n').length < length; n++)
    paragraphs.push(`Paragraph ${n}: ${Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')}.`);
  return paragraphs.join('\n\n');
}

function finished(answer: string) {
  const run = new RunTranscript(
    () => undefined,
    () => undefined,
    silentLogger(),
    200,
  );
  const result: ResultEvent = {
    kind: 'result',
    subtype: 'success',
    isError: false,
    apiErrorStatus: null,
    result: answer,
    errors: [],
  };
  run.handle(result, JSON.stringify(result));
  return runResult(
    run,
    { durationMs: 1, exitCode: 0, signal: null },
    undefined,
    { idleTimeoutMs: 1, timeoutMs: 1 },
    silentLogger(),
  );
}

describe('a long answer', () => {
  it('leaves the agent adapter whole, with no "…"', () => {
    const answer = longAnswer(11_000);
    expect(answer.length).toBeGreaterThanOrEqual(11_000);
    const run = finished(answer);
    expect(run.outcome).toBe('success');
    expect(run.summary).toBe(answer);
  });

  it('is split at paragraph breaks into pieces within the limit, every paragraph whole', () => {
    const answer = longAnswer(11_000);
    const pieces = splitMessage(answer, 4_000);
    expect(pieces.length).toBe(3);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(4_000);
      expect(piece).toMatch(/^Paragraph \d+: /);
      expect(piece).toMatch(/word39\.$/);
    }
    expect(pieces.join('\n\n')).toBe(answer);
  });

  it('falls back to a line break when the last paragraph break would leave the piece under half full', () => {
    const text = `${'a'.repeat(10)}\n\n${'b '.repeat(20)}\n${'c '.repeat(20)}`;
    const pieces = splitMessage(text, 70);
    expect(pieces[0]).toContain('b b');
    expect(pieces.every((p) => p.length <= 70)).toBe(true);
  });
});
