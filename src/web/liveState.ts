// What the page shows, as the web actor last heard it: the tree (sup.status plus the runners'
// open breakers), the missions, the side status (outbox, PRs, agent states), each actor's latest
// heartbeat, the supervision journal, recent machine transitions, and each running mission's
// streamed agent output. Pure bookkeeping:
// liveFeed.ts fills it from NATS and sends each change to the pages.
import type { InspectionRecord } from '../contracts/inspection.js';
import type { OpenBreaker } from '../supervisor/openBreakers.js';
import type { TreeStatus } from '../supervisor/status.js';
import type { SideStatus } from './sideStatus.js';

export interface Beat {
  at: number;
  state: string;
  pid: number;
}

export interface Transition {
  actor: string;
  sessionId: string;
  at: number;
  from: unknown;
  to: unknown;
  event: string;
}

export interface ProgressLine {
  runner: string;
  missionId: string;
  kind: string;
  text: string;
  at: number;
}

const JOURNAL_KEEP = 100;
const TRANSITIONS_KEEP = 20;
const PROGRESS_KEEP = 300;
const PROGRESS_MISSIONS_KEEP = 20;

export class LiveState {
  tree: (TreeStatus & { receivedAt: number; openBreakers: OpenBreaker[] }) | undefined;
  missions: unknown;
  side: SideStatus | undefined;
  readonly beats = new Map<string, Beat>();
  readonly journal: unknown[] = [];
  readonly transitions = new Map<string, Transition[]>();
  readonly progress = new Map<string, ProgressLine[]>();
  /** The latest state value of each inspected actor session, as JSON. */
  private readonly lastInspected = new Map<string, string>();
  /** Sessions of roots that are not their process's machine (a runner's pipeline breakers). */
  private readonly otherRoots = new Set<string>();

  /** True when the actor's machine state changed since its previous heartbeat. */
  beat(actor: string, beat: Beat): boolean {
    const before = this.beats.get(actor);
    this.beats.set(actor, beat);
    return before === undefined || before.state !== beat.state || before.pid !== beat.pid;
  }

  addJournal(entry: unknown): void {
    this.journal.push(entry);
    if (this.journal.length > JOURNAL_KEEP) this.journal.shift();
  }

  /** An inspection record: a snapshot whose state differs from its session's last is a transition. */
  inspect(record: InspectionRecord): Transition | undefined {
    // Only each process's root machine: the one the page draws (invoked helpers have their own).
    if (record.type === '@xstate.event' || (record.rootId !== undefined && record.rootId !== record.sessionId))
      return undefined;
    // Other roots of a process (a runner's pipeline breakers) are announced by their own name.
    if (record.type === '@xstate.actor' && record.name !== record.actor) this.otherRoots.add(record.sessionId);
    if (this.otherRoots.has(record.sessionId)) return undefined;
    const state = JSON.stringify(record.snapshot.value ?? null);
    const last = this.lastInspected.get(record.sessionId);
    this.lastInspected.set(record.sessionId, state);
    if (record.type === '@xstate.actor' || last === undefined || last === state) return undefined;
    const transition: Transition = {
      actor: record.actor,
      sessionId: record.sessionId,
      at: Number(record.createdAt) || Date.now(), // ms since the epoch, as a string
      from: JSON.parse(last) as unknown,
      to: record.snapshot.value,
      event: record.event.type,
    };
    const list = this.transitions.get(record.actor) ?? [];
    list.push(transition);
    if (list.length > TRANSITIONS_KEEP) list.shift();
    this.transitions.set(record.actor, list);
    return transition;
  }

  addProgress(line: ProgressLine): void {
    let list = this.progress.get(line.missionId);
    if (!list) {
      list = [];
      this.progress.set(line.missionId, list);
      if (this.progress.size > PROGRESS_MISSIONS_KEEP) {
        const oldest = this.progress.keys().next().value;
        if (oldest !== undefined) this.progress.delete(oldest);
      }
    }
    list.push(line);
    if (list.length > PROGRESS_KEEP) list.shift();
  }

  /** Everything at once, for a page that just attached. */
  snapshot(): Record<string, unknown> {
    return {
      tree: this.tree ?? null,
      missions: this.missions ?? null,
      side: this.side ?? null,
      beats: Object.fromEntries(this.beats),
      journal: this.journal,
      transitions: Object.fromEntries(this.transitions),
      progress: Object.fromEntries(this.progress),
      now: Date.now(),
    };
  }
}
