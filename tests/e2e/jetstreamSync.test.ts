// A real tree on Debian's nats-server 2.9.10, which cannot sync every JetStream write: the
// supervisor warns once at start and `roshi status` says so (docs/operations.md#jetstream-durability).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNatsServer, natsServerVersionText } from '../../src/bus/embedded-server.js';
import { parseNatsServerVersion, supportsSyncAlways } from '../../src/bus/jetstreamSync.js';
import { TestTree } from '../harness/tree.js';

const SMALL = { actors: { runner: { enabled: false }, prPoller: { enabled: false } } };
const canSync = supportsSyncAlways(parseNatsServerVersion(natsServerVersionText(findNatsServer(''))));

describe.runIf(!canSync)('JetStream write sync on a nats-server that cannot', () => {
  let tree: TestTree;
  beforeAll(async () => {
    tree = await TestTree.start({ config: SMALL });
    await tree.waitForRunning(['watchdog', 'bridge']);
  }, 60_000);
  afterAll(async () => {
    await tree?.stop();
  });

  it('warns once at start and says so in status', async () => {
    const warnings = tree.output().match(/cannot sync every JetStream write/g) ?? [];
    expect(warnings).toHaveLength(1);
    const { stdout } = await tree.cli(['status']);
    expect(stdout).toMatch(/^jetstream {2}WRITES NOT SYNCED: nats-server 2\.\d+\.\d+ cannot sync/m);
    const json = JSON.parse((await tree.cli(['status', '--json'])).stdout);
    expect(json.nats.jetstreamSync).toMatchObject({ mode: 'interval' });
  });
});
