// Inspection costs nothing while nobody inspects: a process observes its machines (XState's
// system.inspect) only while an inspector's presence (src/contracts/inspection.ts) is fresh, and
// without an observer XState skips inspection altogether. A viewer it has not seen yet gets
// every live actor announced again, so the inspector learns each machine's definition.
// See docs/observability.md#stately-inspector.
import type { AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import type { Bus } from '../bus/index.js';
import { readInspectorPresence, type InspectionRecord, type InspectorPresence } from '../contracts/inspection.js';
import { actorRecord, liveActors, toInspectionRecord } from '../actors/inspection.js';

export interface InspectionGateOptions {
  /** The process name the records carry: `supervisor`, `runner-1`, … */
  actor: string;
  publish: (record: InspectionRecord) => void;
  now?: () => number;
}

export class InspectionGate {
  private attachedUntil = 0;
  /** Viewers seen, each until its presence expires: a returning one is announced to again. */
  private readonly viewers = new Map<string, { until: number; changesOnly: boolean }>();
  /** While every viewer wants only state changes: each root machine's last state value sent. */
  private readonly lastValue = new Map<string, string>();
  /** The process's root actors, each with its own actor system (the machine, and e.g. breakers). */
  private readonly roots: Array<{ root: AnyActorRef; name: string | undefined }> = [];
  private observing: Subscription[] | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: InspectionGateOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * A root actor of the process: its system is observed while attached, its tree announced.
   * `name` tells a further root (a breaker) from the machine, which goes by the process name.
   */
  addRoot(root: AnyActorRef, name?: string): void {
    this.roots.push({ root, name });
    if (this.observing) this.observing.push(root.system.inspect(this.onInspection));
  }

  get attached(): boolean {
    return this.now() <= this.attachedUntil;
  }

  /** True while an observer is on the actor system (for tests). */
  get isObserving(): boolean {
    return this.observing !== undefined;
  }

  /**
   * An inspector said it is there; announces the live actors to a viewer not seen before. A
   * viewer that names other processes (the live page follows only the chart it shows) is not one
   * of this process's: dropped at once, so its coming back later announces again.
   */
  presence({ viewer, ttlMs, actors, changesOnly }: InspectorPresence): void {
    const now = this.now();
    for (const [id, { until }] of this.viewers) if (until < now) this.viewers.delete(id);
    if (actors && !actors.includes(this.options.actor)) {
      if (!this.viewers.delete(viewer)) return;
      this.attachedUntil = Math.max(0, ...[...this.viewers.values()].map((v) => v.until));
      if (!this.attached) this.unobserve();
      return;
    }
    const known = this.viewers.has(viewer);
    this.viewers.set(viewer, { until: now + ttlMs, changesOnly: changesOnly === true });
    this.attachedUntil = Math.max(this.attachedUntil, now + ttlMs);
    this.observe();
    if (!known) this.announce();
  }

  /** Ends observing (process shutdown). */
  stop(): void {
    this.attachedUntil = 0;
    this.unobserve();
  }

  private readonly onInspection = (event: InspectionEvent): void => {
    if (!this.attached) return this.unobserve();
    if (this.changesOnly() && !this.isStateChange(event)) return;
    const record = toInspectionRecord(this.options.actor, event);
    if (record) this.options.publish(record);
  };

  /** True while no live viewer wants every event (the live page's viewers only). */
  private changesOnly(): boolean {
    const now = this.now();
    for (const { until, changesOnly } of this.viewers.values()) if (until >= now && !changesOnly) return false;
    return true;
  }

  /** A root machine's snapshot whose state value differs from the last one sent. */
  private isStateChange(event: InspectionEvent): boolean {
    if (event.type !== '@xstate.snapshot' || event.rootId !== event.actorRef.sessionId) return false;
    const value = JSON.stringify((event.snapshot as { value?: unknown }).value ?? null);
    if (this.lastValue.get(event.actorRef.sessionId) === value) return false;
    this.lastValue.set(event.actorRef.sessionId, value);
    return true;
  }

  private observe(): void {
    this.observing ??= this.roots.map(({ root }) => root.system.inspect(this.onInspection));
    // A quiet machine sends no event that would notice the expiry: a timer does.
    clearTimeout(this.expiry);
    this.expiry = setTimeout(
      () => (this.attached ? this.observe() : this.unobserve()),
      this.attachedUntil - this.now() + 1,
    );
    this.expiry.unref();
  }

  private unobserve(): void {
    clearTimeout(this.expiry);
    this.expiry = undefined;
    for (const subscription of this.observing ?? []) subscription.unsubscribe();
    this.observing = undefined;
  }

  private announce(): void {
    for (const { root, name } of this.roots) {
      // The announcement carries the current state: the next change is what differs from it.
      this.lastValue.set(root.sessionId, JSON.stringify((root.getSnapshot() as { value?: unknown }).value ?? null));
      for (const ref of liveActors(root))
        this.options.publish(actorRecord(this.options.actor, ref, ref === root ? name : undefined));
    }
  }
}

/** Publishes the gate's records on <prefix>.inspect.<actor> and feeds it the inspectors' presence. */
export function busInspectionGate(actor: string, bus: () => Bus | undefined): InspectionGate {
  return new InspectionGate({
    actor,
    publish: (record) => {
      const b = bus();
      b?.publish(b.subjects.inspect(actor), record);
    },
  });
}

/** Subscribes the gate to inspector presence; returns the unsubscribe. */
export function listenForInspectors(bus: Bus, gate: InspectionGate): () => void {
  return bus.subscribe(bus.subjects.inspectorPresence, readInspectorPresence, (presence) => gate.presence(presence));
}
