// Every supervision transition goes three ways: <prefix>.sup.events for machines and people
// watching the bus, the journal file, and — for heal actions and circuit changes — a terse
// operator alert on the durable outbox. Alerts about one child are paced (at most one per
// alertInterval) except circuit changes, and an open circuit is announced once until it closes.
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
}

export interface AnnouncerSinks {
  publishEvent: (event: Announcement) => void;
  sendAlert: (alert: OperatorAlert) => void;
}

export class Announcer {
  private readonly lastAlertAt = new Map<string, number>();
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
      const last = this.lastAlertAt.get(child);
      if (last !== undefined && at - last < this.alertIntervalMs) return undefined;
      this.lastAlertAt.set(child, at);
    }
    return {
      id: `sup-${child}-${kind}-${at}`,
      kind: 'alert',
      source: 'supervisor',
      child,
      event: kind,
      text: alertText(event),
      at,
    };
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
