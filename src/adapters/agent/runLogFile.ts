// One agent run's log file: what the CLI printed plus roshi's own [roshi] lines. It is read by
// people and kept for days, so every line is scrubbed of secrets on the way in; a log that
// cannot be written is a warning, never a reason to fail the mission.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../log.js';
import { scrubText } from '../../secrets/scrubber.js';

export interface RunLogFile {
  write(line: string): void;
  close(): Promise<void>;
}

export function openRunLogFile(logFile: string, log: Logger): RunLogFile {
  let broken = false;
  let stream: WriteStream | undefined;
  try {
    mkdirSync(dirname(logFile), { recursive: true });
    stream = createWriteStream(logFile, { flags: 'a' });
    stream.on('error', (error) => {
      if (!broken) log.warn({ err: error, logFile }, 'cannot write the run log');
      broken = true;
    });
  } catch (error) {
    log.warn({ err: error, logFile }, 'cannot create the run log');
    broken = true;
  }
  return {
    write: (line) => {
      if (!broken) stream?.write(`${scrubText(line)}\n`);
    },
    close: () => closeStream(stream),
  };
}

function closeStream(stream: WriteStream | undefined): Promise<void> {
  return new Promise((done) => {
    if (!stream || stream.destroyed || stream.writableEnded) return done();
    stream.end(() => done());
    stream.once('error', () => done());
  });
}
