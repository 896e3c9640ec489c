// A mission world whose tree runs two runners, for the e2e tests of what happens between them
// (a lease taken over, one mission per branch).
import { createMissionWorld, type MissionWorld } from './missionWorld.js';
import { deepMerge, TestTree } from './tree.js';

/** Starts the world and its tree; the caller stops both (tree first). */
export async function startTwoRunners(): Promise<{ world: MissionWorld; tree: TestTree }> {
  const world = await createMissionWorld();
  const tree = await TestTree.start({
    config: deepMerge(world.config(), { actors: { runner: { instances: 2 } } }),
    env: world.env,
  });
  await tree.waitForRunning(['missions', 'runner-1', 'runner-2']);
  return { world, tree };
}
