// Whether JetStream syncs each write to disk before acknowledging it. nats-server flushes every
// 2 minutes by default, so an acknowledged mission, lease or outbox message can be lost on a
// kernel crash or power loss; `jetstream { sync_interval: always }` (nats-server 2.10+) closes
// that window. Here: the version parsing and the decision, pure
// (docs/operations.md#jetstream-durability).

export interface ServerVersion {
  major: number;
  minor: number;
  patch: number;
  /** As reported, e.g. `2.9.10`. */
  text: string;
}

/** `always`: synced before each ack. `interval`: the server cannot be told to. `unconfirmed`: cannot be seen. */
export type JetStreamSyncMode = 'always' | 'interval' | 'unconfirmed';

export interface JetStreamSync {
  mode: JetStreamSyncMode;
  /** The server's version, or null when it could not be read. */
  serverVersion: string | null;
  /** One line for the log and `roshi status`, with what the operator can do. */
  detail: string;
}

/** The first version whose config accepts `jetstream { sync_interval: always }`. */
export const SYNC_ALWAYS_SINCE = '2.10.0';

/** `nats-server: v2.9.10` (from --version) or `2.10.7` (a connection's INFO) → its numbers. */
export function parseNatsServerVersion(text: string | undefined): ServerVersion | undefined {
  const match = /v?(\d+)\.(\d+)\.(\d+)/.exec(text ?? '');
  if (!match) return undefined;
  const [major, minor, patch] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  return { major, minor, patch, text: `${major}.${minor}.${patch}` };
}

export function supportsSyncAlways(version: ServerVersion | undefined): boolean {
  if (!version) return false;
  return version.major > 2 || (version.major === 2 && version.minor >= 10);
}

const REMEDY =
  `install nats-server ≥ ${SYNC_ALWAYS_SINCE} from upstream and set nats.embedded.binary to it, ` +
  'or point nats.url at a server whose config has `jetstream { sync_interval: always }`';

/** The embedded server: started with sync_interval always when its version takes it. */
export function embeddedSync(version: ServerVersion | undefined): JetStreamSync {
  if (supportsSyncAlways(version)) {
    return {
      mode: 'always',
      serverVersion: version!.text,
      detail: 'JetStream syncs every write (sync_interval: always)',
    };
  }
  const which = version ? `nats-server ${version.text}` : 'nats-server (version unreadable)';
  return {
    mode: 'interval',
    serverVersion: version?.text ?? null,
    detail:
      `${which} cannot sync every JetStream write (needs ${SYNC_ALWAYS_SINCE}+): it flushes every 2 min, so an ` +
      `acknowledged mission, lease or outbox message can be lost on a kernel crash or power loss; ${REMEDY}`,
  };
}

/**
 * An external server, from the version in its INFO. Whether sync is set is not visible over the
 * client protocol, so even a 2.10+ server is only `unconfirmed`.
 */
export function externalSync(infoVersion: string | undefined): JetStreamSync {
  const version = parseNatsServerVersion(infoVersion);
  if (version && !supportsSyncAlways(version)) {
    return {
      mode: 'interval',
      serverVersion: version.text,
      detail:
        `external nats-server ${version.text} cannot sync every JetStream write (needs ${SYNC_ALWAYS_SINCE}+): ` +
        `acknowledged writes can be lost on a kernel crash or power loss; ${REMEDY}`,
    };
  }
  return {
    mode: 'unconfirmed',
    serverVersion: version?.text ?? null,
    detail:
      `external nats-server ${version?.text ?? '(version unknown)'}: whether it syncs every JetStream write cannot ` +
      'be seen over the client protocol; make sure its config has `jetstream { sync_interval: always }`',
  };
}
