// The web actor's page (docs/observability.md#the-live-page): where it listens, and the TLS pair
// it needs before it may listen anywhere but loopback (crossChecks.ts refuses that otherwise).
import { integer, section, string } from '../specBuilders.js';

/** Loopback names: the only hosts the page may bind without TLS. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1', 'localhost'];

export const webSection = section({
  host: string({
    test: (v) => /^[A-Za-z0-9.:-]+$/.test(v),
    expected: 'a host name or IP address to listen on, e.g. 127.0.0.1',
  }),
  port: integer(0, 65_535),
  tls: section({ cert: string(), key: string() }),
});

/** A non-loopback host without both TLS files: the key to blame, or undefined when allowed. */
export function webExposureViolation(web: { host: string; tls: { cert: string; key: string } }): string | undefined {
  if (LOOPBACK_HOSTS.includes(web.host)) return undefined;
  if (web.tls.cert === '') return 'web.tls.cert';
  if (web.tls.key === '') return 'web.tls.key';
  return undefined;
}
