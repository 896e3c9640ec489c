// The page's live channel, fed from NATS: heartbeats, supervision events, mission events, the
// runners' streamed output and the inspection records of the one machine each open page draws go
// into LiveState and out to every attached page as server-sent events. The tree and the mission
// list are re-asked (sup.status, missions.list — the CLI's requests) right after an event that
// changes them, so the page follows a transition within one round trip, without polling.
import type { Bus } from '../bus/index.js';
import { isRunnerName, readHeartbeat } from '../contracts/index.js';
import { parseActorName } from '../contracts/actorName.js';
import type { Logger } from '../log.js';
import { askOpenBreakers } from '../supervisor/openBreakers.js';
import { askSystemStatus, mergedStatus } from '../supervisor/systemStatus.js';
import type { Mission } from '../contracts/index.js';
import { startRelay, type Relay } from '../inspect/relay.js';
import { coalesced } from './coalesced.js';
import { askSideStatus } from './sideStatus.js';
import type { SpendSoFar } from './spendSoFar.js';
import { LiveState, type ProgressLine } from './liveState.js';

export type Send = (event: string, data: unknown) => void;

/**
 * Safety net against a lost event (and the runners' breakers, which announce nothing): the tree
 * is re-asked this often while a page is open. Every change the page shows comes by an event.
 */
const TREE_REFRESH_MS = 30_000;
const MISSIONS_LIMIT = 200;
/** While an agent streams, its cost so far is read again at most this often. */
const SPEND_EVERY_MS = 5_000;

export class LiveFeed {
  readonly state = new LiveState();
  private readonly unsubscribers: Array<() => void> = [];
  private relay: Promise<Relay | undefined> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private sideAskedAt = 0;
  /** Each open page, by its channel id, with the actor whose machine chart it draws ('' none). */
  private readonly pages = new Map<string, string>();

  /** One sup.status at a time; an event during one asks once more right after it. */
  readonly refreshTree = coalesced(() =>
    this.askTree().catch((error: unknown) => this.logger.debug({ err: error }, 'sup.status not answered')),
  );

  readonly refreshMissions = coalesced(() =>
    this.askMissions().catch((error: unknown) => this.logger.debug({ err: error }, 'missions.list not answered')),
  );

  /** The outbox, the followed PRs and the running missions' agent states (sideStatus.ts). */
  readonly refreshSide = coalesced(() =>
    this.askSide().catch((error: unknown) => this.logger.debug({ err: error }, 'side status not answered')),
  );

  constructor(
    private readonly bus: Bus,
    private readonly identity: string,
    private readonly send: Send,
    private readonly logger: Logger,
    private readonly beatEveryMs: number,
    private readonly spendOf?: (missionId: string) => Promise<SpendSoFar | undefined>,
  ) {}

  private get open(): boolean {
    return this.pages.size > 0;
  }

  start(): void {
    const b = this.bus;
    const s = b.subjects;
    this.unsubscribers.push(
      b.subscribe(s.heartbeatAll, readHeartbeat, (record, subject) => {
        const actor = s.heartbeatActor(subject);
        if (!actor || record.actor !== actor) return;
        const beat = { at: record.receivedAt, state: record.state, pid: record.pid };
        if (this.state.beat(actor, beat) && this.open) this.send('beat', { actor, ...beat });
      }),
      b.subscribe(s.supEvents, (event) => {
        this.state.addJournal(event);
        if (!this.open) return;
        this.send('journal', event);
        void this.refreshTree();
      }),
      b.subscribe(s.missionEvents, () => {
        if (!this.open) return;
        // The side status after the list: it reads the running missions from it.
        void this.refreshMissions().then(() => this.refreshSide());
      }),
      b.subscribe(s.runnerProgress('*'), (payload) => {
        const line = payload as unknown as ProgressLine;
        if (typeof line.missionId !== 'string' || typeof line.text !== 'string') return;
        this.state.addProgress(line);
        if (!this.open) return;
        this.send('progress', line);
        // An API retry, a stall nudge or a budget stop changes the run's state in words; the
        // cost so far follows the stream, at most every few seconds.
        if (
          line.kind === 'retry' ||
          line.kind === 'stall' ||
          line.kind === 'budget' ||
          Date.now() - this.sideAskedAt >= SPEND_EVERY_MS
        )
          void this.refreshSide();
      }),
    );
  }

  /** A page attached: from now on the tree is kept fresh and its chart's transitions followed. */
  async attach(page: string): Promise<void> {
    this.pages.set(page, '');
    if (this.pages.size > 1) return;
    this.timers = [
      setInterval(() => void this.refreshTree().then(() => this.refreshSide()), TREE_REFRESH_MS),
      setInterval(() => this.send('beats', Object.fromEntries(this.state.beats)), this.beatEveryMs),
    ];
    for (const t of this.timers) t.unref();
    // Machines publish inspection records only while a viewer's presence names them (src/inspect/
    // gate.ts): the pages name only the actors whose charts they draw, so the rest of the tree
    // runs as if nobody looked, and nothing at all while no page is open.
    this.relay = startRelay({
      bus: this.bus,
      actors: () => [...new Set(this.pages.values())].filter((actor) => actor !== ''),
      // The page lists state changes: a machine's self-transitions (the watchdog's checks) stay home.
      changesOnly: true,
      send: (record) => {
        const transition = this.state.inspect(record);
        if (transition) this.send('transition', transition);
      },
    }).catch((error: unknown) => {
      this.logger.debug({ err: error }, 'inspection relay not started');
      return undefined;
    });
    await Promise.all([this.refreshTree(), this.refreshMissions(), this.relay]);
    await this.refreshSide();
  }

  /** The page now draws `actor`'s machine chart ('' for none): only that machine is inspected. */
  watch(page: string, actor: string): void {
    if (!this.pages.has(page) || this.pages.get(page) === actor) return;
    this.pages.set(page, actor);
    void this.relay?.then((relay) => relay?.renew());
  }

  detach(page: string): void {
    if (!this.pages.delete(page)) return;
    if (this.open) return void this.relay?.then((relay) => relay?.renew());
    const relay = this.relay;
    this.relay = undefined;
    void relay?.then((r) => {
      // Tells the machines at once rather than letting the presence expire.
      r?.renew();
      r?.stop();
    });
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    for (const page of [...this.pages.keys()]) this.detach(page);
  }

  private async askSide(): Promise<void> {
    this.sideAskedAt = Date.now();
    const children = (this.state.tree?.children ?? []).map((c) => c.name);
    const list = this.state.missions as { missions?: Mission[] } | undefined;
    const running = (list?.missions ?? []).filter((m) => m.status === 'running');
    this.state.side = await askSideStatus(this.bus, children, running, this.spendOf);
    this.send('side', this.state.side);
  }

  private async askMissions(): Promise<void> {
    const list = await this.bus.request(this.bus.subjects.missionsAs('list', this.identity), { limit: MISSIONS_LIMIT });
    this.state.missions = list;
    this.send('missions', list);
  }

  private async askTree(): Promise<void> {
    const b = this.bus;
    // Every host's children (docs/scale-out.md#hosts-and-names); the web actor's name says its host.
    const tree = mergedStatus(
      await askSystemStatus(b, b.subjects.supStatus, parseActorName(this.identity)?.host ?? ''),
    );
    const receivedAt = Date.now();
    this.state.tree = { ...tree, receivedAt, openBreakers: this.state.tree?.openBreakers ?? [] };
    this.send('tree', this.state.tree);
    // The breakers after the tree: a slow runner must not hold back the tree's update.
    const runners = tree.children.map((c) => c.name).filter(isRunnerName);
    const openBreakers = await askOpenBreakers(runners, (runner) =>
      b.request(b.subjects.control(runner), { verb: 'breakers' }, 2_000),
    );
    if (this.state.tree && JSON.stringify(openBreakers) !== JSON.stringify(this.state.tree.openBreakers)) {
      this.state.tree = { ...this.state.tree, openBreakers };
      this.send('tree', this.state.tree);
    }
  }
}
