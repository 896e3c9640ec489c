// Reading a file line by line while another process appends to it: the agent CLI writes its
// stream straight into a file (so its result outlives a runner that dies), and the runner
// follows that file as it would a pipe. Polling a file handle is cheap and works everywhere
// fs.watch is unreliable (network file systems, overlay mounts).
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { sleep } from '../../time/sleep.js';

/** How often an idle file is looked at again: well under one agent turn, far above CPU noise. */
const POLL_MS = 25;
const CHUNK = 64 * 1024;

/**
 * Calls `onLine` for every complete line appended to `path` until `ended()` is true and the
 * file has nothing more to read; a last line without a newline is delivered at the end.
 */
export async function followFile(path: string, ended: () => boolean, onLine: (line: string) => void): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK);
    let position = 0;
    let pending = '';
    // A character split across two reads is held back, not mangled.
    const decoder = new StringDecoder('utf8');
    for (;;) {
      // Read `ended` before reading the file: whatever was written before the end is then read.
      const last = ended();
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
      if (bytesRead > 0) {
        position += bytesRead;
        pending += decoder.write(buffer.subarray(0, bytesRead));
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          onLine(pending.slice(0, newline).replace(/\r$/, ''));
          pending = pending.slice(newline + 1);
          newline = pending.indexOf('\n');
        }
        continue;
      }
      if (last) break;
      await sleep(POLL_MS);
    }
    pending += decoder.end();
    if (pending !== '') onLine(pending);
  } finally {
    await handle.close();
  }
}
