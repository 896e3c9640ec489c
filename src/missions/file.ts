// The missions.md keeper: the one writer of the file, and the importer of lines a person adds
// under Pending; lives in the missions actor (docs/missions.md#missionsmd).
//  - Every store change schedules a render (debounced, never postponed past maxWait); a periodic
//    refresh keeps "today" and "Mon" right. Writes are atomic, and only when the text changed.
//  - Before each write, and whenever the file changes on disk (fs.watch plus an mtime poll:
//    watches miss events on some file systems), the file is read back and new Pending lines
//    become missions. Importing first keeps a person's line from being overwritten by a render.
//  - The last render is kept in the state dir, so lines added while roshi was down still count.
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';
import type { Logger } from '../log.js';
import { DuplicateMissionError } from './errors.js';
import { findAddedPendingLines } from './pendingImport.js';
import { parseMissionText } from './parse.js';
import type { Mission } from '../contracts/index.js';
import { renderMissionsFile, type CiEntry } from './render.js';
import { oneLine } from '../text/oneLine.js';
import type { MissionStore } from './store.js';

export interface MissionsFileOptions {
  /** missions.md */
  file: string;
  /** Where the last render is kept (private to the writer). */
  lastRenderedFile: string;
  keepDone: number;
  keepFailed: number;
  logger: Logger;
  /** Quiet time after a change before rendering. */
  debounceMs?: number;
  /** Longest a render is postponed by a stream of changes. */
  maxWaitMs?: number;
  /** mtime check interval (fallback for fs.watch). */
  pollMs?: number;
  /** Re-render at least this often, so relative times stay right. */
  refreshMs?: number;
  /** The CI queue, when something keeps one. */
  ci?: () => readonly CiEntry[];
  clock?: () => number;
}

export class MissionsFile {
  /** Renders written so far (for status and tests). */
  writes = 0;
  /** Missions imported from the file so far. */
  imported = 0;
  private lastRendered: string | undefined;
  private lastSeen: { mtimeMs: number; size: number } | undefined;
  private chain: Promise<void> = Promise.resolve();
  private renderTimer: NodeJS.Timeout | undefined;
  private firstChangeAt: number | undefined;
  private importTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private readonly clock: () => number;

  constructor(
    private readonly store: MissionStore,
    private readonly options: MissionsFileOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** Imports what was added while roshi was away, writes a fresh render, then follows both sides. */
  async start(): Promise<void> {
    // A file that cannot be written must not take mission intake down with it: report, retry
    // at every change, keep serving.
    try {
      mkdirSync(dirname(this.options.file), { recursive: true });
    } catch (error) {
      this.options.logger.error({ err: error, file: this.options.file }, 'cannot create the directory of missions.md');
    }
    this.lastRendered = await readText(this.options.lastRenderedFile);
    await this.run('start');
    this.unsubscribe = this.store.onChange(() => this.scheduleRender());
    this.watchFile();
    this.pollTimer = setInterval(() => void this.poll(), this.options.pollMs ?? 2_000);
    this.pollTimer.unref();
    this.refreshTimer = setInterval(() => this.enqueue('refresh'), this.options.refreshMs ?? 60_000);
    this.refreshTimer.unref();
  }

  /** Stops following; a render that was due is written first. */
  async stop(): Promise<void> {
    const due = this.renderTimer !== undefined;
    this.stopped = true;
    this.unsubscribe?.();
    this.watcher?.close();
    for (const timer of [this.renderTimer, this.importTimer]) if (timer) clearTimeout(timer);
    for (const timer of [this.pollTimer, this.refreshTimer]) if (timer) clearInterval(timer);
    if (due) this.chain = this.chain.then(() => this.run('stop'));
    await this.chain;
  }

  /** Import, then render, now (serialized with every other sync). */
  flush(): Promise<void> {
    this.enqueue('flush');
    return this.chain;
  }

  private scheduleRender(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.firstChangeAt ??= now;
    if (this.renderTimer) clearTimeout(this.renderTimer);
    const wait = Math.max(
      0,
      Math.min(this.options.debounceMs ?? 100, this.firstChangeAt + (this.options.maxWaitMs ?? 1_000) - now),
    );
    this.renderTimer = setTimeout(() => {
      this.renderTimer = undefined;
      this.firstChangeAt = undefined;
      this.enqueue('store');
    }, wait);
    this.renderTimer.unref();
  }

  private scheduleImport(): void {
    if (this.stopped) return;
    // Editors write in several steps (truncate, write, rename): read once they are done.
    if (this.importTimer) clearTimeout(this.importTimer);
    this.importTimer = setTimeout(() => {
      this.importTimer = undefined;
      this.enqueue('file');
    }, 50);
    this.importTimer.unref();
  }

  private enqueue(reason: string): void {
    this.chain = this.chain.then(() => this.run(reason));
  }

  private async run(reason: string): Promise<void> {
    try {
      await this.sync(reason);
    } catch (error) {
      this.options.logger.warn({ err: error, reason }, 'missions.md sync failed');
    }
  }

  private async sync(reason: string): Promise<void> {
    const { file } = this.options;
    const disk = await readText(file);
    const edited = disk !== undefined && disk !== this.lastRendered;
    if (reason === 'file' && disk !== undefined && !edited) {
      this.lastSeen = await statOf(file);
      return;
    }
    if (edited) await this.importFrom(disk);
    const text = renderMissionsFile(this.store.list(), {
      now: this.clock(),
      keepDone: this.options.keepDone,
      keepFailed: this.options.keepFailed,
      ...(this.options.ci ? { ci: this.options.ci() } : {}),
    });
    if (text !== disk) {
      writeFileAtomic(file, text);
      this.writes++;
    }
    if (text !== this.lastRendered) {
      writeFileAtomic(this.options.lastRenderedFile, text);
      this.lastRendered = text;
    }
    this.lastSeen = await statOf(file);
  }

  private async importFrom(disk: string): Promise<void> {
    const added = findAddedPendingLines(disk, this.lastRendered);
    if (added.length === 0) return;
    // A line that reads like a mission already pending or running is one roshi wrote (a render
    // lost in a crash, or no last render at all), not a new wish.
    const active = new Set(this.store.list({ status: ['pending', 'running'] }).map(identity));
    for (const text of added) {
      try {
        const parsed = parseMissionText(text, this.store.settings.projects);
        if (active.has(`${parsed.project} ${oneLine(parsed.text)}`)) continue;
      } catch {
        // not a valid mission: add() below reports why
      }
      try {
        const mission = await this.store.add({ text, source: 'file', by: basename(this.options.file) });
        this.imported++;
        this.options.logger.info({ id: mission.id, text }, 'imported a mission from missions.md');
      } catch (error) {
        const level = error instanceof DuplicateMissionError ? 'info' : 'warn';
        this.options.logger[level](
          { text, reason: (error as Error).message },
          'did not import a line from missions.md',
        );
      }
    }
  }

  private watchFile(): void {
    const name = basename(this.options.file);
    try {
      // The directory, not the file: an atomic write (ours or an editor's) replaces the inode.
      this.watcher = watch(dirname(this.options.file), { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) this.scheduleImport();
      });
      this.watcher.on('error', (error) =>
        this.options.logger.warn({ err: error }, 'watching missions.md failed; the mtime poll continues'),
      );
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cannot watch missions.md; relying on the mtime poll');
    }
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    const now = await statOf(this.options.file);
    const last = this.lastSeen;
    if (now && (!last || now.mtimeMs !== last.mtimeMs || now.size !== last.size)) this.scheduleImport();
  }
}

function identity(m: Mission): string {
  return `${m.project} ${oneLine(m.text)}`;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function statOf(path: string): Promise<{ mtimeMs: number; size: number } | undefined> {
  try {
    const s = await stat(path);
    return { mtimeMs: s.mtimeMs, size: s.size };
  } catch {
    return undefined;
  }
}
