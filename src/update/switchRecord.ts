// What the last switch of the `current` link was: from where, to which release and build, when,
// and whether the new build has proved itself (every actor reached running on it) or was rolled
// back. Written by /update, read and settled by the supervisor's rollback guard.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';
import { releasesDir } from './releaseLink.js';

export interface SwitchRecord {
  /** The link's previous target: where a rollback goes. */
  from: string;
  /** The release switched to. */
  to: string;
  buildId: string;
  /** When the link was switched, ms since the epoch: processes started later run `to`. */
  at: number;
  state: 'pending' | 'confirmed' | 'rolledBack';
  reason?: string;
}

export function switchRecordFile(stateDir: string): string {
  return join(releasesDir(stateDir), 'switch.json');
}

export function readSwitchRecord(stateDir: string): SwitchRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(switchRecordFile(stateDir), 'utf8')) as SwitchRecord;
    return typeof record.to === 'string' && typeof record.at === 'number' ? record : undefined;
  } catch {
    return undefined;
  }
}

export function writeSwitchRecord(stateDir: string, record: SwitchRecord): void {
  writeFileAtomic(switchRecordFile(stateDir), `${JSON.stringify(record, null, 2)}\n`);
}
