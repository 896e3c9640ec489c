// The page's live channel, fed from NATS: heartbeats, supervision events, mission events, the
// runners' streamed output and (while a page is open) the machines' inspection records go into
// LiveState and out to every attached page as server-sent events. The tree and the mission list
// are re-asked (sup.status, missions.list — the CLI's requests) right after an event that
// changes them, so the page follows a transition within one round trip, without polling.
import type { Bus } from '../bus/index.js';
import { readHeartbeat } from '../contracts/index.js';
import type { Logger } from '../log.js';
import { askOpenBreakers } from '../supervisor/openBreakers.js';
import type { TreeStatus } from '../supervisor/status.js';
import { startRelay } from '../inspect/relay.js';
import { LiveState, type ProgressLine } from './liveState.js';

export type Send = (event: string, data: unknown) => void;

/** Safety net against a lost event: the tree is re-asked this often while a page is open. */
const TREE_REFRESH_MS = 5_000;
const MISSIONS_LIMIT = 200;

export class LiveFeed {
  readonly state = new LiveState();
  private readonly unsubscribers: Array<() => void> = [];
  private stopInspect: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private treeAsk: Promise<void> | undefined;
  private treeAgain = false;
  private missionsAsk: Promise<void> | undefined;
  private missionsAgain = false;
  private pages = 0;

  constructor(
    private readonly bus: Bus,
    private readonly identity: string,
    private readonly send: Send,
    private readonly logger: Logger,
    private readonly beatEveryMs: number,
  ) {}

  start(): void {
    const b = this.bus;
    const s = b.subjects;
    this.unsubscribers.push(
      b.subscribe(s.heartbeatAll, readHeartbeat, (record, subject) => {
        const actor = s.heartbeatActor(subject);
        if (!actor || record.actor !== actor) return;
        const beat = { at: record.receivedAt, state: record.state, pid: record.pid };
        if (this.state.beat(actor, beat) && this.pages > 0) this.send('beat', { actor, ...beat });
      }),
      b.subscribe(s.supEvents, (event) => {
        this.state.addJournal(event);
        if (this.pages === 0) return;
        this.send('journal', event);
        this.refreshTree();
      }),
      b.subscribe(s.missionEvents, () => {
        if (this.pages > 0) this.refreshMissions();
      }),
      b.subscribe(s.runnerProgress('*'), (payload) => {
        const line = payload as unknown as ProgressLine;
        if (typeof line.missionId !== 'string' || typeof line.text !== 'string') return;
        this.state.addProgress(line);
        if (this.pages > 0) this.send('progress', line);
      }),
    );
  }

  /** A page attached: from now on the tree is kept fresh and inspection records are followed. */
  async attach(): Promise<void> {
    this.pages++;
    if (this.pages > 1) return;
    this.timers = [
      setInterval(() => this.refreshTree(), TREE_REFRESH_MS),
      setInterval(() => this.send('beats', Object.fromEntries(this.state.beats)), this.beatEveryMs),
    ];
    for (const t of this.timers) t.unref();
    // Machines publish inspection records only while a viewer's presence is fresh (src/inspect/
    // gate.ts): the page is one, so its recent transitions cost nothing while no page is open.
    const relay = startRelay({
      bus: this.bus,
      send: (record) => {
        const transition = this.state.inspect(record);
        if (transition) this.send('transition', transition);
      },
    });
    this.stopInspect = () => void relay.then((r) => r.stop()).catch(() => undefined);
    await Promise.all([this.refreshTree(), this.refreshMissions(), relay.catch(() => undefined)]);
  }

  detach(): void {
    this.pages = Math.max(0, this.pages - 1);
    if (this.pages > 0) return;
    this.stopInspect?.();
    this.stopInspect = undefined;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.pages = 1;
    this.detach();
  }

  /** One sup.status at a time; an event during one asks once more right after it. */
  refreshTree(): Promise<void> {
    if (this.treeAsk) {
      this.treeAgain = true;
      return this.treeAsk;
    }
    this.treeAsk = this.askTree()
      .catch((error: unknown) => this.logger.debug({ err: error }, 'sup.status not answered'))
      .finally(() => {
        this.treeAsk = undefined;
        if (this.treeAgain) {
          this.treeAgain = false;
          void this.refreshTree();
        }
      });
    return this.treeAsk;
  }

  refreshMissions(): Promise<void> {
    if (this.missionsAsk) {
      this.missionsAgain = true;
      return this.missionsAsk;
    }
    const subject = this.bus.subjects.missionsAs('list', this.identity);
    this.missionsAsk = this.bus
      .request(subject, { limit: MISSIONS_LIMIT })
      .then((list) => {
        this.state.missions = list;
        this.send('missions', list);
      })
      .catch((error: unknown) => this.logger.debug({ err: error }, 'missions.list not answered'))
      .finally(() => {
        this.missionsAsk = undefined;
        if (this.missionsAgain) {
          this.missionsAgain = false;
          void this.refreshMissions();
        }
      });
    return this.missionsAsk;
  }

  private async askTree(): Promise<void> {
    const b = this.bus;
    const tree = await b.request<TreeStatus>(b.subjects.supStatus, {});
    const receivedAt = Date.now();
    this.state.tree = { ...tree, receivedAt, openBreakers: this.state.tree?.openBreakers ?? [] };
    this.send('tree', this.state.tree);
    // The breakers after the tree: a slow runner must not hold back the tree's update.
    const runners = tree.children.map((c) => c.name).filter((name) => /^runner-\d+$/.test(name));
    const openBreakers = await askOpenBreakers(runners, (runner) =>
      b.request(b.subjects.control(runner), { verb: 'breakers' }, 2_000),
    );
    if (this.state.tree && JSON.stringify(openBreakers) !== JSON.stringify(this.state.tree.openBreakers)) {
      this.state.tree = { ...this.state.tree, openBreakers };
      this.send('tree', this.state.tree);
    }
  }
}
