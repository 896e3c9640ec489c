// `/status` names a provider that cannot receive as degraded, with the reason, beside the ones up.
import { describe, expect, it } from 'vitest';
import { providersLine } from '../../src/bridge/providersLine.js';

describe('the providers line of /status', () => {
  it('shows up, degraded with the reason, and starting', () => {
    expect(
      providersLine({
        console: { state: 'up', since: 1, failures: 0 },
        telegram: {
          state: 'failing',
          since: 1,
          failures: 1,
          lastError: 'receiving: getUpdates failing for 93s: cannot reach https://api.telegram.org: ECONNREFUSED',
        },
        slack: { state: 'starting', since: 1, failures: 0 },
      }),
    ).toBe(
      'chat providers: console ✅ · telegram ⚠ degraded (receiving: getUpdates failing for 93s: cannot reach https://api.telegram.org: EC) · slack … starting',
    );
    expect(providersLine({})).toBe('chat providers: none');
  });
});
