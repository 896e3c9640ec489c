// The archive of finished missions: <stateDir>/missions-archive.jsonl, one record a line, only
// ever appended. A batch is written and fsynced before any of its keys is deleted, so a crash
// can repeat a line but never lose a mission (docs/missions.md#retention).
import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Mission } from '../contracts/index.js';

export const ARCHIVE_FILE = 'missions-archive.jsonl';

/** Lines in the archive (0 when there is none), read in chunks: the file may be large. */
export async function countArchived(path: string): Promise<number> {
  let lines = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      const bytes = chunk as Buffer;
      for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  return lines;
}

/** Appends the missions, one JSON line each, and fsyncs before returning. */
export async function appendArchive(path: string, missions: readonly Mission[]): Promise<void> {
  if (missions.length === 0) return;
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, 'a', 0o600);
  try {
    await file.writeFile(missions.map((m) => `${JSON.stringify(m)}\n`).join(''));
    await file.sync();
  } finally {
    await file.close();
  }
}
