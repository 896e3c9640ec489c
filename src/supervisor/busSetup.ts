// The supervisor's side of the authenticated bus: which server the tree uses and who connects
// as whom. Embedded: a nats-server config with one user per actor and fresh passwords, the
// operator's credential and the URL in the state dir. External: the configured nats.*, or one
// user per actor when the operator set the server up with nats-users.env. The embedded server
// syncs every JetStream write when its version takes it (docs/operations.md#jetstream-durability).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';
import {
  operatorEnvPath,
  readExternalUsers,
  SERVER_CONFIG_FILE,
  withPasswords,
  writeOperatorEnv,
} from '../bus/credentials.js';
import { natsServerVersionText } from '../bus/embedded-server.js';
import { embeddedServerSpec, freePort, type EmbeddedServerSpec } from '../bus/index.js';
import { embeddedSync, externalSync, parseNatsServerVersion, type JetStreamSync } from '../bus/jetstreamSync.js';
import { natsUsers, OPERATOR_USER } from '../bus/permissions.js';
import type { RoshiConfig } from '../config/index.js';
import { childNames } from './tree.js';

export interface TreeBus {
  /** The embedded server to start, or undefined with an external nats.url. */
  nats: EmbeddedServerSpec | undefined;
  url: string;
  /** Whether JetStream syncs each write; for an external server, as far as is known before connecting. */
  jetstreamSync: JetStreamSync;
  /** One user's credential for Bus.connect; {} when nats.* as configured applies. */
  credentialOf: (user: string) => { user?: string; password?: string };
  /** The environment that gives one child its own credential and nobody else's. */
  credentialEnv: (user: string) => Record<string, string>;
  /** Removes this start's URL and passwords from the state dir (on a clean stop). */
  forget: () => void;
}

export async function prepareTreeBus(
  config: RoshiConfig,
  stateRoot: string,
  storeDir: string,
  natsBinary: string | undefined,
): Promise<TreeBus> {
  const passwords = new Map<string, string>();
  let nats: EmbeddedServerSpec | undefined;
  let jetstreamSync = externalSync(undefined);
  // CLI commands (`roshi status`) find the embedded server through this file.
  const urlFile = join(stateRoot, 'nats.url');
  if (natsBinary) {
    const host = config.nats.embedded.host;
    const port = config.nats.embedded.port || (await freePort(host));
    const users = withPasswords(natsUsers(config.prefix, childNames(config, false)));
    for (const user of users) passwords.set(user.user, user.password);
    jetstreamSync = embeddedSync(parseNatsServerVersion(natsServerVersionText(natsBinary)));
    nats = embeddedServerSpec({
      binary: natsBinary,
      host,
      port,
      storeDir,
      configFile: join(stateRoot, SERVER_CONFIG_FILE),
      users,
      syncAlways: jetstreamSync.mode === 'always',
    });
    writeFileAtomic(nats.configFile, nats.configText);
    writeOperatorEnv(config.stateDir, { url: nats.url, user: OPERATOR_USER, password: passwords.get(OPERATOR_USER)! });
    writeFileAtomic(urlFile, `${nats.url}\n`);
  } else {
    for (const [user, password] of readExternalUsers(config.stateDir) ?? []) passwords.set(user, password);
  }
  const spec = nats;
  return {
    nats: spec,
    url: spec?.url ?? config.nats.url,
    jetstreamSync,
    credentialOf: (user) => (passwords.has(user) ? { user, password: passwords.get(user)! } : {}),
    credentialEnv: (user): Record<string, string> =>
      passwords.has(user) ? { ROSHI_NATS__USER: user, ROSHI_NATS__PASSWORD: passwords.get(user)! } : {},
    forget: () => {
      if (!spec) return;
      // This start's passwords die with it; the next start writes new ones.
      for (const file of [urlFile, operatorEnvPath(config.stateDir), spec.configFile]) rmSync(file, { force: true });
    },
  };
}
