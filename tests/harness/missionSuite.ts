// A mission world and a tree on it, for the e2e suites that run missions: started with what a
// suite changes in the world's config, and for a whole describe block, stopped after its tests
// (tree first). Each suite then says only what is particular to it.
import { afterAll, beforeAll } from 'vitest';
import { createMissionWorld, type MissionWorld } from './missionWorld.js';
import { TestTree } from './tree.js';

export interface MissionTree {
  world: MissionWorld;
  tree: TestTree;
}

export interface MissionTreeOptions {
  /** The actors to wait for before the tree counts as started. */
  running: string[];
  /** The tree's config; default the world's own. */
  config?: (world: MissionWorld) => Record<string, unknown>;
  /** Before the tree starts: the fake API's answers, files the config names, what GitHub follows. */
  prepare?: (world: MissionWorld) => void;
  /** Once those actors run: subscriptions, and readiness beyond "running" (a provider up). */
  ready?: (started: MissionTree) => Promise<void> | void;
}

/** Starts the world and its tree; on a failure it stops what it started before throwing. */
export async function startMissionTree(options: MissionTreeOptions): Promise<MissionTree> {
  const world = await createMissionWorld();
  let tree: TestTree | undefined;
  try {
    options.prepare?.(world);
    tree = await TestTree.start({ config: options.config?.(world) ?? world.config(), env: world.env });
    await tree.waitForRunning(options.running);
    await options.ready?.({ world, tree });
    return { world, tree };
  } catch (error) {
    await tree?.stop();
    await world.stop();
    throw error;
  }
}

/**
 * beforeAll/afterAll of the calling describe block: starts a mission tree (by these options, or
 * by a starter such as startTwoRunners) once before its tests, `assign` hands it to the suite's
 * own variables, and both are stopped after its tests.
 */
export function useMissionTree(
  start: MissionTreeOptions | (() => Promise<MissionTree>),
  assign: (started: MissionTree) => void,
  timeoutMs?: number,
): void {
  let started: MissionTree | undefined;
  beforeAll(async () => {
    started = await (typeof start === 'function' ? start() : startMissionTree(start));
    assign(started);
  }, timeoutMs);
  afterAll(async () => {
    await started?.tree.stop();
    await started?.world.stop();
  });
}
