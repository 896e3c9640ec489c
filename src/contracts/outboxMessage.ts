// A message on the durable outbox, <prefix>.bridge.out: what runners, the supervisor's alerts
// and the bridge's replies publish, and what src/bridge/outbox.ts delivers to every provider.
// `replyTo` and `actions` make a reply threaded and give it buttons where the provider has them
// (docs/chat.md#replies-and-buttons).

/** A button under a message: pressing it is the pressing user sending `command`. */
export interface OutboxAction {
  label: string;
  /** A chat command, e.g. "/cancel mfx3k2a1q7z". */
  command: string;
}

export interface OutboxMessage {
  id?: string;
  kind: string;
  text: string;
  source?: string;
  provider?: string;
  chatId?: string;
  format?: 'plain' | 'markdown';
  level?: string;
  event?: string;
  /** The operator's message this answers (the provider's message id). */
  replyTo?: string;
  actions?: OutboxAction[];
}

/** More buttons than this under one message is a mistake, not a menu. */
export const MAX_OUTBOX_ACTIONS = 8;

/** Validates an outbox payload; a message without text cannot be delivered anywhere. */
export function parseOutboxMessage(payload: Record<string, unknown>): OutboxMessage | { error: string } {
  const { text, kind, provider, chatId, format, replyTo } = payload;
  if (typeof text !== 'string' || text.trim() === '') return { error: 'field "text" must be a non-empty string' };
  if (kind !== undefined && typeof kind !== 'string') return { error: 'field "kind" must be a string' };
  if (provider !== undefined && typeof provider !== 'string') return { error: 'field "provider" must be a string' };
  if (chatId !== undefined && typeof chatId !== 'string' && typeof chatId !== 'number')
    return { error: 'field "chatId" must be a string or a number' };
  if (format !== undefined && format !== 'plain' && format !== 'markdown')
    return { error: 'field "format" must be "plain" or "markdown"' };
  if (replyTo !== undefined && (typeof replyTo !== 'string' || replyTo === ''))
    return { error: 'field "replyTo" must be a non-empty string' };
  const actions = parseActions(payload.actions);
  if (actions !== undefined && 'error' in actions) return actions;
  return {
    kind: kind ?? 'notification',
    text,
    ...(typeof payload.id === 'string' ? { id: payload.id } : {}),
    ...(typeof payload.source === 'string' ? { source: payload.source } : {}),
    ...(provider !== undefined ? { provider } : {}),
    ...(chatId !== undefined ? { chatId: String(chatId) } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(typeof payload.level === 'string' ? { level: payload.level } : {}),
    ...(typeof payload.event === 'string' ? { event: payload.event } : {}),
    ...(replyTo !== undefined ? { replyTo } : {}),
    ...(actions !== undefined && actions.length > 0 ? { actions } : {}),
  };
}

function parseActions(value: unknown): OutboxAction[] | { error: string } | undefined {
  if (value === undefined) return undefined;
  const expected = `field "actions" must be a list of at most ${MAX_OUTBOX_ACTIONS} { label, command } with a non-empty label and a command starting with "/"`;
  if (!Array.isArray(value) || value.length > MAX_OUTBOX_ACTIONS) return { error: expected };
  const actions: OutboxAction[] = [];
  for (const item of value) {
    const { label, command } = (item ?? {}) as Record<string, unknown>;
    if (typeof label !== 'string' || label.trim() === '' || typeof command !== 'string' || !/^\/\S/.test(command))
      return { error: expected };
    actions.push({ label, command });
  }
  return actions;
}
