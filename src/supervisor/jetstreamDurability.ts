// Tells the operator, once per start, whether JetStream syncs each write before acknowledging it,
// and keeps the answer for `roshi status`. Embedded: known before the server starts. External:
// the server's version comes with the connection's INFO; whether sync is set cannot be seen
// (docs/operations.md#jetstream-durability).
import type { Bus } from '../bus/index.js';
import { externalSync, type JetStreamSync } from '../bus/jetstreamSync.js';
import type { Logger } from '../log.js';

export function reportJetStreamSync(
  known: JetStreamSync,
  embedded: boolean,
  ready: Promise<Bus>,
  logger: Logger,
): () => JetStreamSync {
  let current = known;
  const tell = (sync: JetStreamSync) => {
    const fields = { jetstreamSync: sync.mode, serverVersion: sync.serverVersion };
    if (sync.mode === 'always') logger.info(fields, sync.detail);
    else logger.warn(fields, sync.detail);
  };
  if (embedded) tell(known);
  else {
    ready.then(
      (bus) => {
        current = externalSync(bus.nc.info?.version);
        tell(current);
      },
      () => undefined, // not connected: the supervisor reports that on its own
    );
  }
  return () => current;
}
