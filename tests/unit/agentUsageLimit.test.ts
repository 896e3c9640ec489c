// A usage limit's reset time read from what the CLI prints, and a run that meets one classified
// transient with exactly that wait (src/adapters/agent/usageLimit.ts, classify.ts).
import { describe, expect, it } from 'vitest';
import { classifyRun } from '../../src/adapters/agent/classify.js';
import { usageLimitResetMs } from '../../src/adapters/agent/usageLimit.js';
import { parseStreamLine, type ResultEvent } from '../../src/adapters/agent/streamJson.js';

const NOW = Date.parse('2026-12-03T13:20:30.250Z');

describe('usageLimitResetMs', () => {
  it('reads the epoch form, in seconds or milliseconds', () => {
    const reset = Math.floor(NOW / 1000) + 600;
    expect(usageLimitResetMs(`Claude AI usage limit reached|${reset}`, NOW)).toBe(reset * 1000 - NOW);
    expect(usageLimitResetMs(`Claude AI usage limit reached|${reset * 1000}`, NOW)).toBe(reset * 1000 - NOW);
  });

  it('reads a time of day, in UTC or the zone named, today or tomorrow once past', () => {
    expect(usageLimitResetMs('5-hour limit reached ∙ resets 3pm', NOW)).toBe(Date.parse('2026-12-03T15:00:00Z') - NOW);
    // 15:00 in Berlin (UTC+1 in December) is 14:00 UTC.
    expect(usageLimitResetMs("You've hit your limit · resets 3pm (Europe/Berlin)", NOW)).toBe(
      Date.parse('2026-12-03T14:00:00Z') - NOW,
    );
    expect(usageLimitResetMs('Weekly limit reached ∙ resets 1:15am', NOW)).toBe(
      Date.parse('2026-12-04T01:15:00Z') - NOW,
    );
  });

  it('is not fooled by other text, an impossible time or an unknown zone', () => {
    expect(usageLimitResetMs('Number of requests has exceeded your rate limit', NOW)).toBeUndefined();
    expect(usageLimitResetMs('limit reached, resets 31pm', NOW)).toBeUndefined();
    expect(usageLimitResetMs('limit reached ∙ resets 3pm (Mars/Olympus)', NOW)).toBeUndefined();
  });
});

describe('a run that meets a usage limit', () => {
  it('is transient and waits until the reset, not the CLI’s own short retry delay', () => {
    const reset = Math.floor(NOW / 1000) + 3600;
    const result = parseStreamLine(
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: true,
        api_error_status: 429,
        result: `API Error: Request rejected (429) · Claude AI usage limit reached|${reset}`,
      }),
    ) as ResultEvent;
    const lastRetry = { kind: 'api_retry', retryDelayMs: 506, errorStatus: 429 } as never;
    expect(
      classifyRun({ exitCode: 1, signal: null, result, lastRetry, stderrTail: '', stdoutTail: '', now: NOW }),
    ).toMatchObject({ outcome: 'transient', retryAfterMs: reset * 1000 - NOW });
  });
});
