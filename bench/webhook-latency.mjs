// Webhooks against polling, two figures (docs/github.md#webhooks):
//
// 1. Latency: time from GitHub telling roshi (a signed pull_request_review delivery, an example
//    payload from @octokit/webhooks-examples) to the resulting /fix mission request, with the
//    real webhook and pr-poller actors from dist/ on a real nats-server and the fake GitHub.
//    Against it the polling path: the same feedback, no webhook, the poller at an interval of
//    BENCH_WEBHOOK_POLL_S (default 5 s, scaled down from the 30 s / 5 min defaults so the run
//    stays short; its p50 is about half the interval plus one poll, whatever the interval).
// 2. GitHub requests per simulated hour for BENCH_WEBHOOK_PRS (10) followed PRs with CI pending
//    and a check finishing every 5 minutes: the real prPoller machine on a simulated clock
//    decides when to poll, each poll a real cycle against the fake GitHub; webhooks off
//    (fastInterval 30 s) and on (each change delivered as check_run + check_suite +
//    workflow_run, webhookSafetyInterval 10 min).
//
//   node bench/webhook-latency.mjs        (after `npm run build`)
//
// Targets (issue 15): webhook p50 ≤ 1 s; requests with webhooks ≤ 1/4 of polling alone.
// Reported with PASS/MISS, never a test assertion.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importFake } from './fakes.mjs';
import {
  environment,
  fmt,
  main,
  onCleanup,
  PACKAGE_ROOT,
  passMiss,
  percentile,
  sleep,
  spawnMarked,
  stopChild,
  table,
} from './lib.mjs';

const SAMPLES = Number(process.env.BENCH_WEBHOOK_SAMPLES ?? 10);
const POLL_S = Number(process.env.BENCH_WEBHOOK_POLL_S ?? 5);
const PRS = Number(process.env.BENCH_WEBHOOK_PRS ?? 10);
const REPO = 'acme/app';
const SECRET = 'bench-webhook-secret';
const TARGET_P50_MS = 1_000;
const TARGET_RATIO = 0.25;

const dist = (path) => import(pathToFileURL(join(PACKAGE_ROOT, 'dist', path)).href);
const require = createRequire(import.meta.url);
const examples = JSON.parse(
  readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
);
const example = (name, action) =>
  structuredClone(examples.find((e) => e.name === name).examples.find((x) => x.action === action));

await main('webhook-latency', async () => {
  console.log(environment());
  const { startFakeGitHub } = await importFake('github');
  const { Bus, ensureOutbox, findNatsServer, freePort, probePort } = await dist('src/bus/index.js');
  const { loadConfig } = await dist('src/config/index.js');
  const { silentLogger } = await dist('src/log.js');
  const { prPollerKind } = await dist('src/actors/prPoller.js');
  const { webhookKind } = await dist('src/actors/webhook.js');
  const { sign } = await import('@octokit/webhooks-methods');
  const { createActor, fromPromise, SimulatedClock } = await import('xstate');

  // ─── a nats-server and the fake GitHub ───────────────────────────────────────────────────
  const dir = mkdtempSync(join(tmpdir(), 'roshi-bench-webhook-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const natsPort = await freePort('127.0.0.1');
  writeFileSync(
    join(dir, 'server.conf'),
    `listen: "127.0.0.1:${natsPort}"\njetstream { store_dir: "${join(dir, 'js')}" }\n`,
  );
  const server = spawnMarked(findNatsServer(''), ['-c', join(dir, 'server.conf')]);
  onCleanup(() => stopChild(server));
  for (const deadline = Date.now() + 10_000; !(await probePort('127.0.0.1', natsPort, 200)); await sleep(25)) {
    if (Date.now() > deadline) throw new Error('nats-server did not start');
  }
  const fake = await startFakeGitHub();
  onCleanup(() => fake.stop());
  process.env.BENCH_WEBHOOK_GH_TOKEN = fake.token;
  process.env.BENCH_WEBHOOK_SECRET = SECRET;

  /** One latency run: fresh prefix and PR, the actors started, SAMPLES pieces of feedback. */
  async function latency(webhooks) {
    const prefix = webhooks ? 'hooked' : 'polled';
    const bus = await Bus.connect({
      url: `nats://127.0.0.1:${natsPort}`,
      name: `bench-${prefix}`,
      prefix,
      logger: silentLogger(),
    });
    onCleanup(() => bus.drain());
    await ensureOutbox(bus);
    const hookPort = await freePort('127.0.0.1');
    const { config } = loadConfig({
      env: {},
      overrides: {
        prefix,
        github: { apiUrl: fake.url, tokenEnv: 'BENCH_WEBHOOK_GH_TOKEN' },
        prPoller: {
          repos: [REPO],
          authorizedUsers: ['alice'],
          fastInterval: webhooks ? '1h' : `${POLL_S}s`,
          idleInterval: webhooks ? '1h' : `${POLL_S}s`,
        },
        actors: { webhook: { enabled: webhooks } },
        webhook: { listen: `127.0.0.1:${hookPort}`, secretEnv: 'BENCH_WEBHOOK_SECRET' },
      },
    });
    const pull = fake.addPull(REPO, { head: { ref: `roshi/bench-${prefix}` } });
    const fixText = `/fix https://github.com/${REPO}/pull/${pull.number}`;
    let onFix;
    bus.serve(bus.subjects.missionsAs('add', 'pr-poller'), (payload) => {
      if (payload.text === fixText) onFix?.(performance.now());
      return { id: `m-${Math.random()}` };
    });
    const started = [];
    for (const kind of webhooks ? [webhookKind, prPollerKind] : [prPollerKind]) {
      const parts = await kind.create({
        name: kind === webhookKind ? 'webhook' : 'pr-poller',
        config,
        bus,
        logger: silentLogger(),
      });
      const actor = createActor(parts.machine, { input: parts.input });
      actor.start();
      await parts.start?.(actor);
      started.push({ parts, actor });
    }
    onCleanup(async () => {
      for (const { parts, actor } of started.reverse()) {
        await parts.stop?.();
        actor.stop();
      }
    });
    const poller = started.at(-1).actor;
    while (poller.getSnapshot().context.polls < 1 || poller.getSnapshot().value !== 'waiting') await sleep(20);

    const payload = example('pull_request_review', 'submitted');
    payload.repository.full_name = REPO;
    payload.pull_request.number = pull.number;
    const text = JSON.stringify(payload);
    const samples = [];
    for (let i = 0; i < SAMPLES; i++) {
      // The feedback lands at a random moment of the poll interval.
      if (!webhooks) await sleep(Math.random() * POLL_S * 1000);
      const fixed = new Promise((resolve) => (onFix = resolve));
      fake.addReviewThread(REPO, pull.number, { comments: [{ body: `feedback ${i}`, author: 'alice' }] });
      const t0 = performance.now();
      if (webhooks) {
        const response = await fetch(`http://127.0.0.1:${hookPort}/github/webhook`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'pull_request_review',
            'x-github-delivery': `bench-${i}`,
            'x-hub-signature-256': await sign(SECRET, text),
          },
          body: text,
        });
        if (response.status !== 202) throw new Error(`delivery ${i} answered ${response.status}`);
      }
      const t1 = await Promise.race([fixed, sleep(POLL_S * 3000 + 30_000).then(() => undefined)]);
      if (t1 === undefined) throw new Error(`no /fix for feedback ${i}`);
      samples.push(t1 - t0);
      while (poller.getSnapshot().value !== 'waiting') await sleep(10);
    }
    return samples;
  }

  const hooked = await latency(true);
  const polled = await latency(false);

  // ─── requests per simulated hour ─────────────────────────────────────────────────────────
  const { createGitHub, EtagCache } = await dist('src/adapters/github/index.js');
  const { Poller } = await dist('src/prPoller/poller.js');
  const { MemoryTrackedPrStore, enterQueue } = await dist('src/prPoller/ciQueue.js');
  const { prPollerMachine } = await dist('machines/prPoller.js');

  async function hour(webhooks) {
    const fakeHour = await startFakeGitHub();
    onCleanup(() => fakeHour.stop());
    const github = createGitHub({
      apiUrl: fakeHour.url,
      token: fakeHour.token,
      logger: silentLogger(),
      etagCache: new EtagCache(),
      retries: 0,
      maxRateLimitRetries: 0,
    });
    const store = new MemoryTrackedPrStore();
    const poller = new Poller(
      {
        repos: [REPO],
        branchPrefix: 'roshi',
        botLogin: 'roshi-bot',
        maxAttempts: 5,
        logTailLines: 200,
        settleMs: 60_000,
        projectFor: () => 'app',
      },
      {
        github,
        store,
        missions: { add: async () => ({ id: 'm' }) },
        notify: async () => undefined,
        logger: silentLogger(),
      },
    );
    const runs = [];
    for (let i = 0; i < PRS; i++) {
      const sha = String(i + 1).padStart(40, '0');
      const pull = fakeHour.addPull(REPO, { head: { ref: `roshi/change-${i + 1}`, sha } });
      runs.push({ sha, pull });
      fakeHour.setCheckRuns(REPO, sha, [{ name: 'unit', status: 'in_progress' }, { name: 'lint' }]);
      const url = `https://github.com/${REPO}/pull/${pull.number}`;
      await store.put(
        enterQueue(
          undefined,
          { repo: REPO, number: pull.number, url, project: 'app', branch: pull.head.ref, headSha: sha },
          5,
          Date.now(),
        ),
      );
    }
    await poller.load();
    const clock = new SimulatedClock();
    let polling = false;
    const machine = prPollerMachine.provide({
      actors: {
        poll: fromPromise(async () => {
          polling = true;
          try {
            const result = await poller.cycle();
            return { ok: true, fast: result.fast, at: clock.now() };
          } finally {
            polling = false;
          }
        }),
      },
    });
    const actor = createActor(machine, {
      input: {
        fastMs: 30_000,
        idleMs: 300_000,
        backoffBaseMs: 30_000,
        backoffMaxMs: 900_000,
        webhookSafetyMs: 600_000,
      },
      clock,
    });
    const settle = async () => {
      await sleep(0);
      while (polling || actor.getSnapshot().value === 'polling') await sleep(1);
    };
    actor.start();
    await settle(); // the start poll: first sight of every PR, not counted
    const before = { ...github.stats };
    const pollsBefore = actor.getSnapshot().context.polls;
    for (let s = 1; s <= 3600; s++) {
      clock.increment(1_000);
      // A check finishes somewhere every 5 minutes: a real change to read.
      if (s % 300 === 0) {
        const run = runs[(s / 300) % runs.length];
        fakeHour.setCheckRuns(REPO, run.sha, [
          { name: 'unit', status: 'in_progress' },
          { name: 'lint', conclusion: 'success' },
          { name: `step-${s}`, conclusion: 'success' },
        ]);
        // GitHub sends check_run, check_suite and workflow_run for it, a moment apart.
        if (webhooks) for (let d = 0; d < 3; d++) actor.send({ type: 'WEBHOOK', at: clock.now() });
      }
      await settle();
    }
    const end = github.stats;
    actor.stop();
    return {
      polls: actor.getSnapshot().context.polls - pollsBefore,
      requests: end.requests - before.requests,
      counted: end.requests - end.notModified - (before.requests - before.notModified),
    };
  }

  const off = await hour(false);
  const on = await hour(true);

  const p50 = (values) => percentile(values, 50);
  const p90 = (values) => percentile(values, 90);
  console.log('');
  console.log(
    table([
      ['delivery → /fix queued', 'samples', 'p50 ms', 'p90 ms', 'max ms'],
      ['webhook', hooked.length, fmt(p50(hooked), 0), fmt(p90(hooked), 0), fmt(Math.max(...hooked), 0)],
      [
        `polling every ${POLL_S}s`,
        polled.length,
        fmt(p50(polled), 0),
        fmt(p90(polled), 0),
        fmt(Math.max(...polled), 0),
      ],
    ]),
  );
  console.log('');
  console.log(
    table([
      [`per simulated hour, ${PRS} PRs, CI pending`, 'polls', 'requests', 'counted (not 304)'],
      ['webhooks off (every 30s)', off.polls, off.requests, off.counted],
      ['webhooks on (safety 10m)', on.polls, on.requests, on.counted],
    ]),
  );
  console.log('');
  const ratio = on.requests / off.requests;
  console.log(
    `webhook-latency: delivery → mission p50 ${fmt(p50(hooked), 0)} ms (target ≤ ${TARGET_P50_MS} ms) ${passMiss(p50(hooked) <= TARGET_P50_MS)}; polling every ${POLL_S}s p50 ${fmt(p50(polled), 0)} ms = ${fmt(p50(polled) / p50(hooked), 1)}× the webhook's (at the default 30 s / 5 min intervals the polling path waits half an interval on average)`,
  );
  console.log(
    `webhook-latency: GitHub requests per hour with webhooks ${on.requests} vs ${off.requests} polling alone = ${fmt(ratio, 3)} (target ≤ ${TARGET_RATIO}) ${passMiss(ratio <= TARGET_RATIO)}; counted against the rate limit ${on.counted} vs ${off.counted}`,
  );
});
