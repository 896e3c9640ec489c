// A real pino logger whose lines the test reads back: what tests assert about logging (a message
// logged, a token never logged) goes through the same serializers as in production.
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../src/log.js';

export function capturingLogger(level: 'trace' | 'debug' | 'info' = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino(
    { level },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  return { logger, lines };
}
