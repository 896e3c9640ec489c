// The schema of `nats`: the bus every process connects to, embedded or external, and how it
// authenticates. Keys: docs/configuration.md#core-and-supervision-in-effect.
import { duration, integer, nonEmptyString, section, string } from '../specBuilders.js';

// The Node client speaks NATS over TCP only: ws:// URLs would silently be dialled as TCP.
const NATS_URL_SCHEMES = new Set(['nats:', 'tls:']);

/** "" (embedded server) or a comma-separated list of nats:// or tls:// URLs. */
function isNatsUrlList(value: string): boolean {
  if (value === '') return true;
  return value.split(',').every((part) => {
    try {
      const url = new URL(part.trim());
      return NATS_URL_SCHEMES.has(url.protocol) && url.hostname !== '';
    } catch {
      return false;
    }
  });
}

export const natsSection = section({
  url: string({
    test: isNatsUrlList,
    expected: '"" (embedded server) or nats:// or tls:// URLs separated by commas',
  }),
  token: string(),
  user: string(),
  password: string(),
  credsFile: string(),
  tls: section({ caFile: string(), certFile: string(), keyFile: string() }),
  embedded: section({ binary: string(), host: nonEmptyString(), port: integer(0, 65535) }),
  requestTimeout: duration(1),
});
