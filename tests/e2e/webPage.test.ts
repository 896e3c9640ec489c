// The live page in a real browser against a real tree: headless Chromium (puppeteer-core), the
// web actor from dist/, the real Claude Code CLI against the scripted Messages API. The page
// must show every child running, follow a SIGKILLed child out of and back into running without
// a reload, run a mission added from the page to done with its streamed output, pause and resume
// dispatch, show the bridge's outbox, inspect only the machine whose chart is open, and refuse
// every request without the token. Screenshots go to docs/images/web-*.png.
import { join } from 'node:path';
import { execa } from 'execa';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInspectionRecord } from '../../src/contracts/inspection.js';
import { mainScript, packageRoot } from '../../src/paths.js';
import { readWebUrl } from '../../src/web/urlFile.js';
import { launchBrowser, type TestBrowser } from '../harness/browser.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { writesFile, type MissionWorld } from '../harness/missionWorld.js';
import type { TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

// These run inside the page (puppeteer serialises them); the tests' tsconfig has no DOM types.
// biome-ignore lint/suspicious/noExplicitAny: the browser's globals, seen from Node's types
declare const document: any, window: any, MutationObserver: any;

const CHILDREN = ['watchdog', 'missions', 'bridge', 'runner-1', 'web'];
const shot = (name: string) => join(packageRoot(), 'docs', 'images', `web-${name}.png`);

describe('the live page', () => {
  let world: MissionWorld;
  let tree: TestTree;
  let browser: TestBrowser;
  let page: Page;
  let url: string;
  useMissionTree(
    {
      running: CHILDREN,
      config: (w) =>
        w.config({
          actors: {
            chat: { enabled: false },
            prPoller: { enabled: false },
            web: { enabled: true },
          },
        }),
    },
    (started) => ({ world, tree } = started),
    60_000,
  );

  beforeAll(async () => {
    url = await until(() => readWebUrl(tree.stateDir), 'web.url', { timeoutMs: 20_000 });
    browser = await launchBrowser();
    page = await browser.browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function loginLink(): Promise<string> {
    const out = await execa(process.execPath, [mainScript(), 'web', 'login', '--json', '--config', tree.configFile]);
    return (JSON.parse(out.stdout) as { link: string }).link;
  }

  it('is shown by status and status --json', async () => {
    const cli = (...args: string[]) => execa(process.execPath, [mainScript(), ...args, '--config', tree.configFile]);
    expect((await cli('status')).stdout).toContain(`web        ${url} (log in: node dist/main.js web login)`);
    expect(JSON.parse((await cli('status', '--json')).stdout).web).toEqual({ url });
    expect((await cli('web', 'url')).stdout).toBe(url);
  });

  it('refuses every request without the token', async () => {
    for (const path of ['/', '/events', '/api/state', '/api/graph/runner-1', '/assets/page.js', '/assets/elk.js']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(401);
      await res.body?.cancel();
    }
    const action = await fetch(`${url}/api/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-roshi-action': '1' },
      body: JSON.stringify({ verb: 'pause' }),
    });
    expect(action.status).toBe(401);
    const forged = await fetch(`${url}/login?e=${Date.now() + 60_000}&n=abc&c=forged`, { redirect: 'manual' });
    expect(forged.status).toBe(401);
    // A login link works once.
    const link = await loginLink();
    const first = await fetch(link, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(401);
  });

  it('shows every child running', async () => {
    await page.goto(await loginLink());
    await page.waitForFunction(
      (names: string[]) =>
        names.every(
          (n) => document.querySelector(`#tree tr[data-actor="${n}"]`)?.getAttribute('data-state') === 'running',
        ),
      { timeout: 30_000 },
      CHILDREN,
    );
    await page.waitForSelector('#chart-svg g.state.active', { timeout: 30_000 });
    await page.screenshot({ path: shot('tree'), fullPage: true });
  }, 60_000);

  it('follows a SIGKILLed child out of running and back, without a reload', async () => {
    const before = await tree.child('runner-1');
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[]; marker: boolean }).seen = seen;
      (window as unknown as { marker: boolean }).marker = true;
      const record = () => {
        const row = document.querySelector('#tree tr[data-actor="runner-1"]');
        const state = `${row?.getAttribute('data-state')}@${row?.getAttribute('data-pid')}`;
        if (seen[seen.length - 1] !== state) seen.push(state);
      };
      new MutationObserver(record).observe(document.querySelector('#tree tbody')!, { childList: true, subtree: true });
      record();
    });
    process.kill(before.pid!, 'SIGKILL');
    await page.waitForFunction(
      (oldPid: number) => {
        const seen = (window as unknown as { seen: string[] }).seen;
        const left = seen.some((s) => !s.startsWith('running@'));
        const last = seen[seen.length - 1] ?? '';
        return left && last.startsWith('running@') && !last.endsWith(`@${oldPid}`);
      },
      { timeout: 30_000 },
      before.pid!,
    );
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen[0]).toBe(`running@${before.pid}`);
    expect(await page.evaluate(() => (window as unknown as { marker?: boolean }).marker)).toBe(true);
    await tree.waitForRunning(['runner-1']);
  }, 60_000);

  it('adds a mission from the page and shows it run to done with its streamed output', async () => {
    world.scenarios.set('web-1', writesFile('web.txt', 'from the page'));
    await page.type('#mission-text', 'write the web file {{web-1}}');
    await page.click('#add-mission button[type="submit"]');
    const id = await page.waitForFunction(
      () => document.querySelector('#missions tr.selected')?.getAttribute('data-mission'),
      {
        timeout: 15_000,
      },
    );
    const missionId = (await id.jsonValue()) as string;
    await page.waitForFunction(
      (mid: string) =>
        document.querySelector(`#missions tr[data-mission="${mid}"]`)?.getAttribute('data-status') === 'done',
      { timeout: 90_000 },
      missionId,
    );
    const output = await page.$$eval('#output li', (items) =>
      items.map((li) => `${li.getAttribute('data-kind')} ${li.textContent}`),
    );
    expect(
      output.some((line) => line.startsWith('tool ') && line.includes('web.txt')),
      output.join('\n'),
    ).toBe(true);
    expect(
      output.some((line) => line.startsWith('text ') && line.includes('Wrote web.txt')),
      output.join('\n'),
    ).toBe(true);
    const stored = await tree.bus.request<{ source: string; by: string }>(tree.bus.subjects.missions('get'), {
      id: missionId,
    });
    expect(stored).toMatchObject({ source: 'web', by: 'web' });
    await page.screenshot({ path: shot('missions'), fullPage: true });
    // A finished run replays from its run log after a fresh load, too.
    await page.reload();
    await page.waitForSelector(`#missions tr[data-mission="${missionId}"]`, { timeout: 15_000 });
    await page.click(`#missions tr[data-mission="${missionId}"]`);
    await page.waitForFunction(
      () =>
        document.querySelector('#output')?.getAttribute('data-source') !== null &&
        document.querySelectorAll('#output li').length > 2,
      { timeout: 15_000 },
    );
    const replayed = await page.$$eval('#output li', (items) => items.map((li) => li.textContent ?? ''));
    expect(replayed.join('\n')).toContain('web.txt');
  }, 150_000);

  it('shows the outbox as the bridge reports it, and that no PR is followed without a pr-poller', async () => {
    await page.waitForFunction(() => document.querySelector('#outbox')?.getAttribute('data-state') === 'ok', {
      timeout: 30_000,
    });
    const reply = await tree.bus.request<{ providers: Record<string, unknown> }>(tree.bus.subjects.control('bridge'), {
      verb: 'providers',
    });
    const rows = await page.$$eval('#providers tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-provider')));
    expect(rows).toEqual(Object.keys(reply.providers));
    expect(await page.$eval('#outbox', (p) => p.textContent)).toMatch(/^outbox: \d+ in flight, \d+ received/);
    expect(await page.$eval('#prs-note', (p) => p.textContent)).toBe('no pr-poller in this tree: no PR is followed');
  }, 60_000);

  it('pauses and resumes dispatch through the missions verbs', async () => {
    await page.click('#pause');
    await page.waitForFunction(() => document.querySelector('#dispatch')?.getAttribute('data-paused') === 'true', {
      timeout: 30_000,
    });
    await page.click('#resume');
    await page.waitForFunction(() => document.querySelector('#dispatch')?.getAttribute('data-paused') === 'false', {
      timeout: 30_000,
    });
  }, 60_000);

  it('inspects only the machine whose chart is open', async () => {
    // Every process's records, as the operator sees them on the bus.
    const seen: string[] = [];
    const unsubscribe = tree.bus.subscribe(tree.bus.subjects.inspectAll, readInspectionRecord, (record) => {
      seen.push(record.actor);
    });
    try {
      // A fresh page is a new viewer: a process that heeded it would announce all its machines.
      await page.reload();
      await page.waitForSelector('#chart-svg g.state.active', { timeout: 30_000 });
      await page.select('#chart-kind', 'actor');
      await page.select('#chart-actor', 'runner-1');
      // runner-1 announces itself, then its claim poll moves its machine every few seconds.
      await until(() => seen.filter((a) => a === 'runner-1').length >= 2 || undefined, 'runner-1 records', {
        timeoutMs: 30_000,
      });
      // Nobody else published: not the supervisor, missions, bridge or web; the watchdog (the chart
      // shown first) at most announced itself.
      expect([...new Set(seen)].filter((a) => a !== 'watchdog')).toEqual(['runner-1']);
    } finally {
      unsubscribe();
    }
  }, 90_000);

  it('draws a runner statechart from its machine with the current state', async () => {
    await page.select('#chart-actor', 'runner-1');
    await page.waitForFunction(() => document.querySelector('#chart-svg')?.getAttribute('data-machine') === 'runner', {
      timeout: 15_000,
    });
    const active = await page.$$eval('#chart-svg g.state.active', (gs) => gs.map((g) => g.getAttribute('data-state')));
    expect(active.length).toBeGreaterThan(0);
    // The runner's machine moves while its chart is open: its transitions come in through the
    // inspection records the page's presence switched on for this one actor.
    await page
      .waitForFunction(() => document.querySelectorAll('#transitions li').length > 0, { timeout: 15_000 })
      .catch(async (error: Error) => {
        const state = await page.evaluate(() => fetch('/api/state').then((r) => r.text()));
        throw new Error(`${error.message}; the page's server state: ${String(state).slice(0, 3000)}`);
      });
    const transitions = await page.$$eval('#transitions li', (items) => items.map((li) => li.textContent ?? ''));
    expect(transitions.join('\n')).toMatch(/"idle"/);
    const chart = await page.$('#chart-section');
    await chart!.screenshot({ path: shot('statechart') });
  }, 60_000);
});
