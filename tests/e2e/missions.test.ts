// Missions end to end: real supervisor and runners from dist/, the real Claude Code CLI against
// a scripted Messages API, real git with a local bare remote, a fake GitHub for the PR.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitIn, runsBash, writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { addMission, finished, untilMission } from '../harness/missionClient.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { isAlive } from '../harness/processes.js';
import { deepMerge, sleep, type TestTree } from '../harness/tree.js';
import { startTwoRunners } from '../harness/twoRunners.js';

const add = addMission;

describe('missions on one runner', () => {
  let world: MissionWorld;
  let tree: TestTree;
  useMissionTree({ running: ['watchdog', 'missions', 'runner-1'] }, (started) => ({ world, tree } = started));

  it('runs a mission to a pushed branch and a pull request', async () => {
    world.scenarios.set('ok-1', writesFile('hello.txt', 'hello from roshi'));
    const mission = await add(tree, 'add a greeting file {{ok-1}}');
    const done = await untilMission(tree, mission.id, finished, 60_000, 'done');
    expect(done.status, done.lastError).toBe('done');
    expect(done.result?.branch).toMatch(/^roshi\/add-a-greeting-file/);
    expect(world.remoteBranches()).toContain(done.result!.branch);
    const file = gitIn(world.dir, '--git-dir', world.bare, 'show', `${done.result!.branch}:hello.txt`);
    expect(file).toBe('hello from roshi');
    expect(done.result?.prUrl).toMatch(/\/acme\/app\/pull\/\d+$/);
    expect(world.github.pulls('acme/app').map((p) => p.head.ref)).toContain(done.result!.branch);
    expect(done.result?.steps?.map((s) => s.step)).toEqual(expect.arrayContaining(['commit', 'push', 'pr']));
    // The prompt went in on stdin and reached the API; it is never in an argv.
    const prompts = world.anthropic.messageRequests().map((r) => JSON.stringify(r.body));
    expect(prompts.some((p) => p.includes('add a greeting file'))).toBe(true);
  });

  it('requeues a mission rate-limited with Retry-After and runs it again', async () => {
    let calls = 0;
    world.scenarios.set('rate-1', (req) => {
      calls++;
      // The CLI retries once by itself (CLAUDE_CODE_MAX_RETRIES=1): two 429s fail the first run.
      if (calls <= 2)
        return {
          error: { status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '1' } },
        };
      return writesFile('rated.txt', 'eventually')(req);
    });
    const mission = await add(tree, 'write the rated file {{rate-1}}');
    const done = await untilMission(tree, mission.id, finished, 60_000, 'done after a retry');
    expect(done.status, done.lastError).toBe('done');
    expect(done.transientAttempts).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('refuses a duplicate /rebase of the same pull request', async () => {
    await tree.bus.request(tree.bus.subjects.missions('pause'), { by: 'test' }).catch(() => undefined);
    const url = 'https://github.com/acme/app/pull/42';
    const first = await add(tree, `/rebase ${url}`);
    await expect(add(tree, `/rebase ${url}`)).rejects.toThrow(new RegExp(`already queued as ${first.id}`));
    await tree.bus.request(tree.bus.subjects.missions('cancel'), { id: first.id });
    await tree.bus.request(tree.bus.subjects.missions('resume'), { by: 'test' }).catch(() => undefined);
  });

  it('cancels a running mission at once', async () => {
    const pidFile = join(world.dir, 'slow.pid');
    world.scenarios.set('slow-1', runsBash(`echo $$ > ${pidFile}; exec sleep 300`, 'wait'));
    const mission = await add(tree, 'take your time {{slow-1}}');
    await untilMission(tree, mission.id, (m) => m.status === 'running', 30_000, 'running');
    const deadline = Date.now() + 30_000;
    while (!existsSync(pidFile) && Date.now() < deadline) await sleep(100);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(sleeper)).toBe(true);
    const started = Date.now();
    await tree.bus.request(tree.bus.subjects.missions('cancel'), { id: mission.id });
    const cancelled = await untilMission(tree, mission.id, finished, 15_000, 'cancelled');
    expect(cancelled.status).toBe('cancelled');
    while (isAlive(sleeper) && Date.now() - started < 10_000) await sleep(100);
    expect(isAlive(sleeper)).toBe(false);
  });
});

describe('agent failures', () => {
  let world: MissionWorld;
  let tree: TestTree;
  useMissionTree(
    // 6 s: short for the hang test, yet longer than a loaded machine takes to start the CLI.
    { config: (w) => deepMerge(w.config(), { agent: { idleTimeout: '6s' } }), running: ['missions', 'runner-1'] },
    (started) => ({ world, tree } = started),
  );

  it('kills an agent that hangs without output at the idle timeout, with its grandchildren', async () => {
    const pidFile = join(world.dir, 'hang.pid');
    world.scenarios.set('hang-1', runsBash(`echo $$ > ${pidFile}; exec sleep 300`, 'hang'));
    const mission = await add(tree, 'hang around {{hang-1}}');
    const deadline = Date.now() + 30_000;
    while (!existsSync(pidFile) && Date.now() < deadline) await sleep(100);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    // Cancel the retry up front: this test is about the first attempt being killed.
    const after = await untilMission(
      tree,
      mission.id,
      (m) => m.attempts >= 1 && m.status !== 'running',
      30_000,
      'killed by the idle timeout',
    );
    await tree.bus.request(tree.bus.subjects.missions('cancel'), { id: mission.id }).catch(() => undefined);
    expect(after.lastError ?? after.result?.error).toMatch(/idle|no output|timeout/i);
    const deadline2 = Date.now() + 5_000;
    while (isAlive(sleeper) && Date.now() < deadline2) await sleep(100);
    expect(isAlive(sleeper)).toBe(false);
  });

  it('529 again and again opens the dispatch breaker, which recovers once the API does', async () => {
    let overloaded = true;
    world.scenarios.set('busy-1', (req) =>
      overloaded
        ? { error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } }
        : writesFile('busy.txt', 'ok')(req),
    );
    const mission = await add(tree, 'try when busy {{busy-1}}');
    // Two consecutive transient failures open the breaker (runner.breaker.maxConsecutiveFailures: 2).
    await untilMission(tree, mission.id, (m) => m.transientAttempts >= 2, 60_000, 'two transient failures');
    // The 529's retry time holds dispatch for a moment first (dispatchHold.ts), and the runner
    // removes the worktree after the record says how the attempt ended: then the breaker shows.
    const ping = () => tree.bus.request<{ state?: string }>(tree.bus.subjects.control('runner-1'), { verb: 'ping' });
    const settling = (state: string | undefined) => state === 'paused' || state === '{"busy":"finishing"}';
    let live = await ping();
    for (let i = 0; i < 50 && settling(live.state); i++) live = await sleep(200).then(ping);
    expect(
      live.state,
      tree
        .log('runner-1')
        .split('\n')
        .filter((l) => /circuit|transient|finished|claimed/.test(l))
        .join('\n')
        .slice(-4000),
    ).toBe('breakerOpen');
    overloaded = false;
    const done = await untilMission(tree, mission.id, finished, 60_000, 'done after the breaker closed');
    expect(done.status, done.lastError).toBe('done');
  });
});

describe('two runners', () => {
  let world: MissionWorld;
  let tree: TestTree;
  useMissionTree(startTwoRunners, (started) => ({ world, tree } = started));

  it('a runner SIGKILLed mid-mission: the lease expires and the mission runs again elsewhere, once', async () => {
    const ledger = join(world.dir, 'crash-ledger');
    let runs = 0;
    world.scenarios.set('crash-1', ({ toolResults }) => {
      if (toolResults === 0) {
        runs++;
        return runs === 1
          ? {
              toolUse: {
                name: 'Bash',
                input: {
                  command: `echo run >> ${ledger}; echo $$ > ${ledger}.pid; exec sleep 300`,
                  description: 'slow',
                },
              },
            }
          : {
              toolUse: {
                name: 'Bash',
                input: { command: `echo run >> ${ledger}; printf done > crash.txt`, description: 'fast' },
              },
            };
      }
      return { text: 'finished' };
    });
    const mission = await add(tree, 'survive a crash {{crash-1}}');
    const running = await untilMission(
      tree,
      mission.id,
      (m) => m.status === 'running' && existsSync(ledger),
      30_000,
      'running',
    );
    const holder = running.lease!.runner;
    const pid = (await tree.child(holder)).pid!;
    process.kill(pid, 'SIGKILL');
    const done = await untilMission(tree, mission.id, finished, 60_000, 'done elsewhere');
    expect(done.status, done.lastError).toBe('done');
    expect(done.attempts).toBe(2);
    expect(readFileSync(ledger, 'utf8').trim().split('\n')).toEqual(['run', 'run']);
    // The dead runner's agent did not go on working: its successor killed what it left.
    expect(isAlive(Number(readFileSync(`${ledger}.pid`, 'utf8')))).toBe(false);
  });

  it('twenty missions on two runners: each runs exactly once', async () => {
    const ledger = join(world.dir, 'ledger');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      world.scenarios.set(`many-${i}`, runsBash(`echo many-${i} >> ${ledger}; printf ${i} > f${i}.txt`, 'work', 'ok'));
      ids.push((await add(tree, `mission number ${i} {{many-${i}}}`)).id);
    }
    for (const id of ids) {
      const m = await untilMission(tree, id, finished, 180_000, 'finished');
      expect(m.status, m.lastError).toBe('done');
      expect(m.attempts).toBe(1);
    }
    const lines = readFileSync(ledger, 'utf8').trim().split('\n').sort();
    expect(lines).toEqual(Array.from({ length: 20 }, (_, i) => `many-${i}`).sort());
  }, 240_000);
});
