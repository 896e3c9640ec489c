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
  jetstreamTimeout: duration(100),
  // JetStream keeps at most 5 copies of a stream. docs/scale-out.md#replicas
  replicas: integer(1, 5),
});

/** The embedded server is one node: it holds one copy of each stream, so replicas > 1 needs nats.url. */
export function embeddedReplicasViolation(nats: { url: string; replicas: number }): string | undefined {
  return nats.url === '' && nats.replicas > 1
    ? '1 while nats.url is "" (the embedded server is a single node); for more, set nats.url to a JetStream cluster'
    : undefined;
}
