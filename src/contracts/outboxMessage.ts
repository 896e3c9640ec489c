// A message on the durable outbox, <prefix>.bridge.out: what runners, the supervisor's alerts
// and the bridge's replies publish, and what src/bridge/outbox.ts delivers to every provider.

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
}

/** Validates an outbox payload; a message without text cannot be delivered anywhere. */
export function parseOutboxMessage(payload: Record<string, unknown>): OutboxMessage | { error: string } {
  const { text, kind, provider, chatId, format } = payload;
  if (typeof text !== 'string' || text.trim() === '') return { error: 'field "text" must be a non-empty string' };
  if (kind !== undefined && typeof kind !== 'string') return { error: 'field "kind" must be a string' };
  if (provider !== undefined && typeof provider !== 'string') return { error: 'field "provider" must be a string' };
  if (chatId !== undefined && typeof chatId !== 'string' && typeof chatId !== 'number')
    return { error: 'field "chatId" must be a string or a number' };
  if (format !== undefined && format !== 'plain' && format !== 'markdown')
    return { error: 'field "format" must be "plain" or "markdown"' };
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
  };
}
