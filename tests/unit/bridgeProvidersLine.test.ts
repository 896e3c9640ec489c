// `/status` names a provider that cannot receive as degraded, with the reason, beside the ones up,
// and with host.id set the ones in standby, with the host whose bridge serves them.
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

  it('shows the providers in standby after the ones served, with the bridge serving each when known', () => {
    expect(
      providersLine(
        { telegram: { state: 'up', since: 1, failures: 0 } },
        { console: { holder: 'h2-bridge/4242' }, slack: { holder: null } },
      ),
    ).toBe('chat providers: telegram ✅ · console ⏸ standby (served by h2-bridge) · slack ⏸ standby');
  });
});
