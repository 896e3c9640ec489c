// Whole-file writes that a crash cannot leave half done: write a sibling temp file, then rename
// over the target (rename is atomic within a file system). Files are private to roshi's user
// (0600, directories 0700): they hold mission text, logs and credentials.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export function writeFileAtomic(path: string, content: string, mode: number = PRIVATE_FILE_MODE): void {
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    // flag 'w' on a fresh name: the mode applies at creation (a leftover temp file is replaced first).
    rmSync(tmp, { force: true });
    writeFileSync(tmp, content, { mode });
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
