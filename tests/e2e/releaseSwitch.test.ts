// The `current` link decides what the tree runs: children start through it and drift is judged
// against the build behind it, so switching the link rolls every actor onto that build. A build
// whose actors do not reach running is switched back by the supervisor, and the tree returns.
import { readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import type { TreeStatus } from '../../src/supervisor/status.js';
import { currentLink, switchLink } from '../../src/update/releaseLink.js';
import { readSwitchRecord, writeSwitchRecord } from '../../src/update/switchRecord.js';
import { copyPackage, type PackageCopy } from '../harness/packageCopy.js';
import { TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

const ACTORS = ['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'pr-poller'];

/** What /update does once a release is built: move the link, then record the switch. */
function switchTo(stateDir: string, from: string, release: PackageCopy, buildId: string): void {
  switchLink(stateDir, release.dir);
  writeSwitchRecord(stateDir, { from, to: release.dir, buildId, at: Date.now(), state: 'pending' });
}

const allOn = (buildId: string) => (s: TreeStatus) =>
  ACTORS.every((name) => s.children.some((c) => c.name === name && c.state === 'running' && c.buildId === buildId));

describe('release switch', () => {
  let tree: TestTree;
  const copies: PackageCopy[] = [];
  beforeAll(async () => {
    tree = await TestTree.start();
    await tree.waitForRunning(ACTORS);
  });
  afterAll(async () => {
    await tree?.stop();
    for (const copy of copies) copy.remove();
  });

  it('rolls every actor onto the build the link points at, then confirms the switch', async () => {
    const good = copyPackage();
    copies.push(good);
    const buildId = good.rebuild();
    switchTo(tree.stateDir, packageRoot(), good, buildId);
    await tree.waitForStatus(allOn(buildId), 60_000, `every actor on ${buildId}`);
    const record = await until(
      () => (readSwitchRecord(tree.stateDir)?.state === 'confirmed' ? readSwitchRecord(tree.stateDir) : undefined),
      'the switch confirmed',
      { timeoutMs: 30_000, detail: () => tree.output() },
    );
    expect(record.to).toBe(good.dir);
  });

  it('switches back when an actor started on the new build does not reach running', async () => {
    const good = copies[0]!;
    const goodBuild = (await tree.status()).children.find((c) => c.name === 'watchdog')!.buildId!;
    const broken = copyPackage();
    copies.push(broken);
    const badBuild = broken.rebuild();
    writeFileSync(join(broken.dir, 'dist', 'main.js'), 'process.exit(3);\n');
    switchTo(tree.stateDir, good.dir, broken, badBuild);

    const record = await until(
      () => (readSwitchRecord(tree.stateDir)?.state === 'rolledBack' ? readSwitchRecord(tree.stateDir) : undefined),
      'the switch rolled back',
      { timeoutMs: 60_000, detail: () => tree.output() },
    );
    expect(record.reason).toMatch(new RegExp(`did not reach running on build ${badBuild}`));
    expect(readlinkSync(currentLink(tree.stateDir))).toBe(good.dir);
    await tree.waitForStatus(allOn(goodBuild), 60_000, `every actor back on ${goodBuild}`);
  });
});
