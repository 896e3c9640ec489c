// Per-run log paths and pruning by age and count, never the active file.
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pruneRunLogs, runLogPath } from '../../src/adapters/agent/runLogs.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-runlogs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;

function logAt(name: string, ageMs: number): string {
  const path = join(dir, name);
  writeFileSync(path, 'x');
  const t = (NOW - ageMs) / 1000;
  utimesSync(path, t, t);
  return path;
}

describe('runLogPath', () => {
  it('is <dir>/<missionId>-<timestamp>.log', () => {
    expect(runLogPath('/var/roshi/logs', 'm-42', new Date('2026-03-01T12:34:56.789Z'))).toBe(
      '/var/roshi/logs/m-42-20260301T123456789Z.log',
    );
  });

  it('makes the mission id safe for a file name', () => {
    const path = runLogPath('/l', '../../etc/passwd x', new Date(0));
    expect(path).toBe('/l/_etc_passwd_x-19700101T000000000Z.log');
    expect(runLogPath('/l', '', new Date(0))).toBe('/l/run-19700101T000000000Z.log');
  });

  it('sorts by time within a mission', () => {
    const a = runLogPath('/l', 'm', new Date('2026-03-01T09:00:00Z'));
    const b = runLogPath('/l', 'm', new Date('2026-03-01T10:00:00Z'));
    expect([b, a].sort()).toEqual([a, b]);
  });
});

describe('pruneRunLogs', () => {
  it('deletes files older than maxAge', async () => {
    const fresh = logAt('a-1.log', HOUR);
    const old = logAt('a-2.log', 48 * HOUR);
    const deleted = await pruneRunLogs(dir, { maxAgeMs: 24 * HOUR, now: NOW });
    expect(deleted).toEqual([old]);
    expect(readdirSync(dir)).toEqual(['a-1.log']);
    expect(fresh).toContain('a-1.log');
  });

  it('keeps only the newest maxCount', async () => {
    for (let i = 0; i < 5; i++) logAt(`m-${i}.log`, i * HOUR);
    const deleted = await pruneRunLogs(dir, { maxCount: 2, now: NOW });
    expect(deleted.map((p) => p.slice(dir.length + 1)).sort()).toEqual(['m-2.log', 'm-3.log', 'm-4.log']);
    expect(readdirSync(dir).sort()).toEqual(['m-0.log', 'm-1.log']);
  });

  it('never deletes the active file, however old, and counts it', async () => {
    const active = logAt('running.log', 100 * HOUR);
    logAt('new.log', 0);
    logAt('mid.log', 2 * HOUR);
    const deleted = await pruneRunLogs(dir, { maxAgeMs: HOUR * 10, maxCount: 1, active: [active], now: NOW });
    expect(readdirSync(dir).sort()).toEqual(['new.log', 'running.log']);
    expect(deleted.map((p) => p.slice(dir.length + 1))).toEqual(['mid.log']);
    // maxCount 0 still keeps it.
    await pruneRunLogs(dir, { maxCount: 0, active: [join(dir, '.', 'running.log')], now: NOW });
    expect(readdirSync(dir)).toEqual(['running.log']);
  });

  it('leaves other files and directories alone; a missing directory is fine', async () => {
    logAt('old.log', 100 * HOUR);
    writeFileSync(join(dir, 'notes.txt'), 'keep');
    const t = (NOW - 100 * HOUR) / 1000;
    utimesSync(join(dir, 'notes.txt'), t, t);
    const deleted = await pruneRunLogs(dir, { maxAgeMs: HOUR, now: NOW });
    expect(deleted).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    expect(await pruneRunLogs(join(dir, 'missing'), { maxCount: 1 })).toEqual([]);
  });

  it('with no limits deletes nothing', async () => {
    logAt('a.log', 1000 * HOUR);
    expect(await pruneRunLogs(dir, { now: NOW })).toEqual([]);
  });
});
