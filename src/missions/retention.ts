// Retention of finished missions, run by the missions actor (the single writer) every
// missions.archiveInterval: a pass reads the bucket once, picks the finished missions past
// keepFinished or beyond keepFinishedMax (retentionPolicy.ts), appends them to the archive and
// fsyncs (retentionArchive.ts), then deletes each key with a compare-and-set on the revision it
// archived, leaving the status in the delete marker so every index counts it out.
// docs/missions.md#retention
import { join } from 'node:path';
import { JsonKv, RevisionConflictError, type Bus } from '../bus/index.js';
import { deleteWithNote } from '../bus/kvDeleteWithNote.js';
import { isFinished, type Mission } from '../contracts/index.js';
import type { Logger } from '../log.js';
import { appendArchive, ARCHIVE_FILE, countArchived } from './retentionArchive.js';
import {
  expiredIntakes,
  expiredMissions,
  type FinishedRecord,
  type IntakeRecord,
  type RetentionSettings,
} from './retentionPolicy.js';
import { isIntakeKey } from './store/intakeKeys.js';
import { asMission } from './validate.js';

export { ARCHIVE_FILE } from './retentionArchive.js';

/** Missions archived per write and fsync. */
const BATCH = 500;

export class MissionRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  private constructor(
    private readonly bus: Bus,
    private readonly kv: JsonKv,
    private readonly settings: RetentionSettings,
    private readonly logger: Logger,
    /** Lines in the archive: missions archived so far (a crash mid-pass may have repeated one). */
    public archived: number,
  ) {}

  static async open(bus: Bus, settings: RetentionSettings, logger: Logger): Promise<MissionRetention> {
    const kv = await JsonKv.open(bus, bus.subjects.missionsBucket);
    const archived = await countArchived(join(settings.stateDir, ARCHIVE_FILE));
    return new MissionRetention(bus, kv, settings, logger, archived);
  }

  get file(): string {
    return join(this.settings.stateDir, ARCHIVE_FILE);
  }

  /** A pass now, then one every intervalMs (never two at once). */
  start(): void {
    const { keepFinishedMs, keepFinishedMax, keepIntakeMs } = this.settings;
    if (keepFinishedMs === 0 && keepFinishedMax === 0 && keepIntakeMs === 0) return;
    const tick = () =>
      void this.runOnce(Date.now()).catch((error: unknown) =>
        this.logger.warn({ err: error }, 'mission retention failed'),
      );
    tick();
    this.timer = setInterval(tick, this.settings.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass; resolves to how many missions it archived. */
  runOnce(now: number): Promise<number> {
    this.running ??= this.pass(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: number): Promise<number> {
    const { finished, intakes } = await this.records();
    await this.forgetIntakes(expiredIntakes(intakes, now, this.settings.keepIntakeMs));
    const expired = expiredMissions(finished, now, this.settings);
    let archived = 0;
    for (let i = 0; i < expired.length; i += BATCH) archived += await this.archive(expired.slice(i, i + BATCH));
    if (archived > 0) this.logger.info({ archived, file: this.file }, 'archived finished missions');
    return archived;
  }

  /** Every finished mission and every intake claim in the bucket, from one read of its current values. */
  private async records(): Promise<{ finished: FinishedRecord[]; intakes: IntakeRecord[] }> {
    const records = new Map<string, FinishedRecord>();
    const intakes = new Map<string, IntakeRecord>();
    const watch = await this.kv.watch<Partial<Mission> & { at?: unknown }>({
      onChange: (change) => {
        if (change.operation === 'delete') return void (records.delete(change.key), intakes.delete(change.key));
        if (isIntakeKey(change.key)) {
          const at = change.value.at;
          if (typeof at === 'number') intakes.set(change.key, { key: change.key, revision: change.revision, at });
          return;
        }
        const m = change.value;
        if (!isFinished({ status: m.status as Mission['status'] })) return void records.delete(change.key);
        const at = typeof m.finishedAt === 'number' ? m.finishedAt : m.updatedAt;
        if (typeof at === 'number') records.set(change.key, { id: change.key, revision: change.revision, at });
      },
    });
    await watch.initialized;
    watch.stop();
    return { finished: [...records.values()], intakes: [...intakes.values()] };
  }

  /** Deletes intake claims past keepIntake, each only at the revision read (a key re-claimed meanwhile stays). */
  private async forgetIntakes(expired: readonly IntakeRecord[]): Promise<void> {
    for (const { key, revision } of expired) {
      await deleteWithNote(this.bus, this.bus.subjects.missionsBucket, key, revision, { intakeExpired: true }).catch(
        (error: unknown) => {
          if (!(error instanceof RevisionConflictError)) throw error;
        },
      );
    }
    if (expired.length > 0) this.logger.info({ intakes: expired.length }, 'forgot old message identities');
  }

  /** Archives one batch: read each at the revision picked, append and fsync, then delete. */
  private async archive(batch: readonly FinishedRecord[]): Promise<number> {
    const missions: { mission: Mission; revision: number }[] = [];
    for (const record of batch) {
      const entry = await this.kv.get<unknown>(record.id);
      if (!entry || entry.revision !== record.revision) continue; // changed since: the next pass decides
      const checked = asMission(record.id, entry.value);
      if ('mission' in checked && isFinished(checked.mission))
        missions.push({ mission: checked.mission, revision: entry.revision });
    }
    await appendArchive(
      this.file,
      missions.map((m) => m.mission),
    );
    this.archived += missions.length;
    const bucket = this.bus.subjects.missionsBucket;
    for (const { mission, revision } of missions) {
      try {
        await deleteWithNote(this.bus, bucket, mission.id, revision, { status: mission.status, archived: true });
      } catch (error) {
        // Archived but changed meanwhile: the key stays, and a later pass may archive it again.
        if (!(error instanceof RevisionConflictError)) throw error;
        this.logger.warn({ id: mission.id }, 'an archived mission changed before its key was deleted; kept');
      }
    }
    return missions.length;
  }
}
