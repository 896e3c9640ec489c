// Every supervision transition goes three ways: <prefix>.sup.events for machines and people
// watching the bus, the journal file, and — for heal actions and circuit changes — a terse
// operator alert on the durable outbox. Alerts are paced per child and kind (at most one per
// alertInterval; the next one counts those held back) except circuit changes, and an open
// circuit is announced once until it closes, also across a supervisor restart
// (docs/supervision.md#operator-alerts).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Announcement, AnnouncementKind } from '../../machines/childEvents.js';
import type { Logger } from '../log.js';
import { scrubJson } from '../secrets/scrubber.js';

const ALERT_KINDS = new Set<AnnouncementKind>(['tier1', 'tier2', 'tier3', 'exited', 'circuitOpen', 'circuitClosed']);
const WARN_KINDS = new Set<AnnouncementKind>(['tier1', 'tier2', 'tier3', 'exited', 'circuitOpen']);

export interface OperatorAlert {
  id: string;
  kind: 'alert';
  source: 'supervisor';
  child: string;
  event: AnnouncementKind;
  text: string;
  at: number;
  /** Alerts of this child and kind held back by pacing since the previous one was sent. */
  suppressed?: number;
}

export interface AnnouncerSinks {
  publishEvent: (event: Announcement) => void;
  sendAlert: (alert: OperatorAlert) => void;
}

/** The pace of one child's alerts of one kind: when the last was sent, how many were held back since. */
interface Pace {
  lastAt: number;
  suppressed: number;
}

export class Announcer {
  private readonly paces = new Map<string, Pace>();
  private readonly circuitAnnounced = new Set<string>();

  constructor(
    private readonly sinks: AnnouncerSinks,
    private readonly journalFile: string,
    private readonly logger: Logger,
    private readonly alertIntervalMs: number,
  ) {
    mkdirSync(dirname(journalFile), { recursive: true });
  }

  announce(event: Announcement): void {
    const level = WARN_KINDS.has(event.kind) ? 'warn' : 'info';
    this.logger[level]({ child: event.child, kind: event.kind, pid: event.pid }, event.detail);
    this.journal({ type: 'supervision', ...event });
    this.sinks.publishEvent(event);
    const alert = this.alertFor(event);
    if (alert) this.sinks.sendAlert(alert);
  }

  /**
   * The heal state a restarted supervisor restored: a circuit that was open (or probing) when the
   * last supervisor stopped was announced then, so restoring it is no change to announce again.
   */
  restored(states: Record<string, { circuit: string }>): void {
    for (const [child, state] of Object.entries(states)) {
      if (state.circuit !== 'closed') this.circuitAnnounced.add(child);
    }
  }

  journal(entry: Record<string, unknown>): void {
    try {
      // A child's exit detail can quote its stderr: the journal is scrubbed like everything that leaves.
      appendFileSync(this.journalFile, scrubJson(JSON.stringify({ time: new Date().toISOString(), ...entry })) + '\n');
    } catch (error) {
      this.logger.warn({ err: error }, 'journal write failed');
    }
  }

  private alertFor(event: Announcement): OperatorAlert | undefined {
    if (!ALERT_KINDS.has(event.kind)) return undefined;
    const { child, kind, at } = event;
    if (kind === 'circuitOpen') {
      if (this.circuitAnnounced.has(child)) return undefined; // re-opened after a failed probe
      this.circuitAnnounced.add(child);
    } else if (kind === 'circuitClosed') {
      if (!this.circuitAnnounced.delete(child)) return undefined;
    } else {
      // Per kind, so a paced low-level alert (exited) never hides the hang alert that follows.
      const key = `${child}\u0000${kind}`;
      const pace = this.paces.get(key);
      if (pace && at - pace.lastAt < this.alertIntervalMs) {
        pace.suppressed += 1;
        return undefined;
      }
      this.paces.set(key, { lastAt: at, suppressed: 0 });
      if (pace && pace.suppressed > 0) {
        const text = `${alertText(event)} (${pace.suppressed} more since ${clockTimeUtc(pace.lastAt)} UTC)`;
        return { ...this.alert(event, text), suppressed: pace.suppressed };
      }
    }
    return this.alert(event, alertText(event));
  }

  private alert({ child, kind, at }: Announcement, text: string): OperatorAlert {
    return { id: `sup-${child}-${kind}-${at}`, kind: 'alert', source: 'supervisor', child, event: kind, text, at };
  }
}

const TEXT: Record<string, (e: Announcement) => string> = {
  tier1: (e) => `⚠ ${e.child}: ${e.detail} — tier 1`,
  tier2: (e) => `⚠ ${e.child}: ${e.detail} — tier 2`,
  tier3: (e) => `⚠ ${e.child}: ${e.detail} — tier 3`,
  exited: (e) => `⚠ ${e.child}: ${e.detail}; respawning`,
  circuitOpen: (e) => `🛑 ${e.child}: circuit open (${e.detail}); will probe later`,
  circuitClosed: (e) => `✅ ${e.child}: circuit closed (${e.detail})`,
};

export function alertText(event: Announcement): string {
  return (TEXT[event.kind] ?? ((e: Announcement) => `${e.child}: ${e.kind} ${e.detail}`))(event);
}

/** HH:MM:SS of an epoch time, in UTC: the time of the last alert sent for a child and kind. */
function clockTimeUtc(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}
