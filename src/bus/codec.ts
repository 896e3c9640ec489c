// JSON on the wire. Decoding never throws past this module: a payload that is not JSON, or not
// an object, becomes a BadPayloadError that the caller answers or counts.
//
// Encoding is where every publish, request, reply, KV write and outbox message leaves this
// process, so it is where secrets are masked for the whole bus (src/secrets/scrubber.ts).
import { RoshiError } from '../errors.js';
import { scrubJson } from '../secrets/scrubber.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A message that is not a JSON object, or a request that does not read as its subject's payload. */
export class BadPayloadError extends RoshiError {
  override readonly code = 'bad_payload';
}

export function encode(value: unknown): Uint8Array {
  return encoder.encode(scrubJson(JSON.stringify(value ?? null)));
}

/** Decodes a JSON object. Empty payloads decode to `{}` so `nats req subject ''` works. */
export function decodeObject(data: Uint8Array): Record<string, unknown> {
  if (data.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (error) {
    throw new BadPayloadError(`payload is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadPayloadError(`payload must be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}
