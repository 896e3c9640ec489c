// The messaging level (bridge.level). `debug` sends everything on the outbox. `normal` keeps
// chat quiet: it drops notifications marked `level: 'debug'` (any sender may mark routine
// chatter so) and supervision alerts other than the heal tiers and circuit changes (a plain
// respawn after an exit is in the journal and `/status`, not in chat). Replies to commands are
// always sent.

export type MessagingLevel = 'normal' | 'debug';

/** Supervision events worth interrupting a person for. */
const ALERT_EVENTS_NORMAL = new Set(['tier1', 'tier2', 'tier3', 'circuitOpen', 'halfOpen', 'circuitClosed']);

export interface LevelFields {
  kind?: unknown;
  level?: unknown;
  event?: unknown;
}

export function passesLevel(message: LevelFields, level: MessagingLevel): boolean {
  if (level === 'debug') return true;
  if (message.kind === 'notification') return message.level !== 'debug';
  if (message.kind === 'alert') return typeof message.event !== 'string' || ALERT_EVENTS_NORMAL.has(message.event);
  return true;
}
