// Missions as an e2e test asks for them over the bus of a running TestTree: add one, read it, and
// wait until its record (missions get) reaches a status. Also the tree that runs only the missions actor.
import type { Mission } from '../../src/contracts/index.js';
import { onlyActors } from './actorSelection.js';
import { sleep, TestTree } from './tree.js';
import { until } from './until.js';

/** Adds a mission through the bus API, as `source` (cli, nats, …); returns the stored record. */
export function addMission(tree: TestTree, text: string, source = 'nats'): Promise<Mission> {
  return tree.bus.request<Mission>(tree.bus.subjects.missions('add'), { text, source }, 5_000);
}

/**
 * Polls `missions get` every 200 ms until the record satisfies `done` or `timeoutMs` passes.
 * Returns the last record read (undefined if none was), so the caller's assertion says what it saw.
 */
export async function waitForMission(
  tree: TestTree,
  id: string,
  done: (mission: Mission) => boolean,
  timeoutMs = 60_000,
): Promise<Mission | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: Mission | undefined;
  while (Date.now() < deadline) {
    last = await tree.bus.request<Mission>(tree.bus.subjects.missions('get'), { id }).catch(() => last);
    if (last && done(last)) break;
    await sleep(200);
  }
  return last;
}

/** The mission's record, as `missions get` answers. */
export function getMission(tree: TestTree, id: string): Promise<Mission> {
  return tree.bus.request<Mission>(tree.bus.subjects.missions('get'), { id });
}

/** A mission that has ended: done, failed or cancelled. */
export const finished = (m: Mission) => m.status === 'done' || m.status === 'failed' || m.status === 'cancelled';

/**
 * Like waitForMission, but throws on the timeout, naming `what`, the last record read and
 * `detail` (default the tree's output tail): for a wait the test cannot go on without.
 */
export async function untilMission(
  tree: TestTree,
  id: string,
  check: (mission: Mission) => boolean,
  timeoutMs: number,
  what: string,
  detail = () => tree.output().slice(-3000),
): Promise<Mission> {
  let last: Mission | undefined;
  return until(
    async () => {
      last = await getMission(tree, id).catch(() => last);
      return last && check(last) ? last : undefined;
    },
    `mission ${id}: ${what}`,
    { timeoutMs, intervalMs: 200, detail: () => `last: ${JSON.stringify(last)}\n${detail()}` },
  );
}

/** A tree with only the watchdog and missions running, for `projects` (at /tmp; the first is the default). */
export async function startMissionsTree(projects: string[]): Promise<TestTree> {
  const tree = await TestTree.start({
    config: {
      actors: onlyActors('missions'),
      projects: Object.fromEntries(projects.map((name) => [name, { path: '/tmp' }])),
      defaultProject: projects[0],
    },
  });
  await tree.waitForRunning(['watchdog', 'missions']);
  return tree;
}
