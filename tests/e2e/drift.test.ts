// After an update (a new build id on disk) every actor is rolled over to the new build, one at
// a time, by cooperative restarts that do not count as failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyPackage, type PackageCopy } from '../harness/packageCopy.js';
import { TestTree } from '../harness/tree.js';

const ACTORS = ['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'pr-poller'];

describe('version drift', () => {
  let pkg: PackageCopy;
  let tree: TestTree;
  beforeAll(async () => {
    pkg = copyPackage();
    tree = await TestTree.start({ mainScript: pkg.mainScript });
    await tree.waitForRunning(ACTORS);
  });
  afterAll(async () => {
    await tree?.stop();
    pkg?.remove();
  });

  it('rolls every actor to the new build, one at a time', async () => {
    const since = tree.events.length;
    const buildId = pkg.rebuild();
    const status = await tree.waitForStatus(
      (s) =>
        ACTORS.every((name) =>
          s.children.some((c) => c.name === name && c.state === 'running' && c.buildId === buildId),
        ),
      60_000,
      `every actor on ${buildId}`,
    );
    expect(status.children.filter((c) => ACTORS.includes(c.name)).every((c) => c.restarts === 0)).toBe(true);

    // One at a time: each roll starts only after the previous child is ready again.
    const events = tree.events.slice(since).filter((e) => e.kind === 'rolling' || e.kind === 'ready');
    const rolled = events.filter((e) => e.kind === 'rolling').map((e) => e.child);
    expect([...rolled].sort()).toEqual([...ACTORS].sort());
    let rollingNow: string | undefined;
    for (const e of events) {
      if (e.kind === 'rolling') {
        expect(rollingNow, `${e.child} started rolling while ${rollingNow} was`).toBeUndefined();
        rollingNow = e.child;
      } else if (e.child === rollingNow) {
        rollingNow = undefined;
      }
    }
  });
});
