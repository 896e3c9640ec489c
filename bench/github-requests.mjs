// GitHub requests per hour of the PR poller for 10 open own PRs, against the fake GitHub
// (tests/fakes/github.ts, transpiled on the fly by fakes.mjs): idle (CI settled, nothing changes) and with
// CI pending on every PR (fast cadence, one check run finishing now and then). A simulated hour:
// the cycles one hour holds at the default cadence (prPoller.idleInterval 5m → 12,
// fastInterval 30s → 120) are run back to back, after one warm-up cycle (first sight of every
// PR, counted apart). Requests answered 304 Not Modified come from the ETag cache and do not
// count against GitHub's rate limit; the limit is 5,000 requests an hour per token, the
// physical ceiling these figures are compared with.
//
//   node bench/github-requests.mjs        (after `npm run build`)
//
// Target: idle polls are mostly 304 (≥ 90 %), and the rate-limit share of an hour stays small.
// Reported, never a test assertion.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importFake } from './fakes.mjs';
import { environment, fmt, main, onCleanup, PACKAGE_ROOT, passMiss, table } from './lib.mjs';

const PRS = Number(process.env.BENCH_GH_PRS ?? 10);
const IDLE_INTERVAL_S = Number(process.env.BENCH_GH_IDLE_S ?? 300);
const FAST_INTERVAL_S = Number(process.env.BENCH_GH_FAST_S ?? 30);
const RATE_LIMIT_PER_HOUR = 5_000;
const TARGET_IDLE_304 = 0.9;
const REPO = 'acme/app';

const dist = (path) => import(pathToFileURL(join(PACKAGE_ROOT, 'dist', 'src', path)).href);

await main('github-requests', async () => {
  console.log(environment());
  const { startFakeGitHub } = await importFake('github');
  const { createGitHub } = await dist('adapters/github.js');
  const { Poller } = await dist('prPoller/poller.js');
  const { MemoryTrackedPrStore, enterQueue } = await dist('prPoller/ciQueue.js');
  const { EtagCache } = await dist('prPoller/etagCache.js');
  const { silentLogger } = await dist('log.js');

  async function scenario(name, { pending }) {
    const fake = await startFakeGitHub();
    onCleanup(() => fake.stop());
    const github = createGitHub({
      apiUrl: fake.url,
      token: fake.token,
      logger: silentLogger(),
      etagCache: new EtagCache(),
      retries: 0,
      maxRateLimitRetries: 0,
    });
    const store = new MemoryTrackedPrStore();
    let missions = 0;
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
        missions: { add: async () => ({ id: `m${++missions}` }) },
        notify: async () => undefined,
        logger: silentLogger(),
      },
    );
    const runs = [];
    for (let i = 0; i < PRS; i++) {
      const sha = String(i + 1).padStart(40, '0');
      const pull = fake.addPull(REPO, { head: { ref: `roshi/change-${i + 1}`, sha } });
      runs.push({ sha, pull });
      fake.setCheckRuns(
        REPO,
        sha,
        pending ? [{ name: 'unit', status: 'in_progress' }, { name: 'lint' }] : [{ name: 'unit' }, { name: 'lint' }],
      );
      if (pending) {
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
    }
    await poller.load();
    const warm = { ...github.stats };
    await poller.cycle();
    const afterWarmUp = { ...github.stats };
    const cyclesPerHour = Math.round(3600 / (pending ? FAST_INTERVAL_S : IDLE_INTERVAL_S));
    for (let c = 0; c < cyclesPerHour; c++) {
      // with CI pending, one job somewhere finishes every ~5 minutes: a real change to read
      if (pending && c > 0 && c % 10 === 0) {
        const run = runs[(c / 10) % runs.length];
        fake.setCheckRuns(REPO, run.sha, [
          { name: 'unit', status: 'in_progress' },
          { name: 'lint', conclusion: 'success' },
          { name: `step-${c}`, conclusion: 'success' },
        ]);
      }
      await poller.cycle();
    }
    const end = { ...github.stats };
    const requests = end.requests - afterWarmUp.requests;
    const notModified = end.notModified - afterWarmUp.notModified;
    return {
      name,
      cyclesPerHour,
      warmUp: afterWarmUp.requests - warm.requests,
      requests,
      notModified,
      counted: requests - notModified,
      share304: requests === 0 ? 1 : notModified / requests,
      graphql: end.graphql - afterWarmUp.graphql,
      missions,
    };
  }

  const idle = await scenario(`idle, ${PRS} PRs (every ${IDLE_INTERVAL_S}s)`, { pending: false });
  const busy = await scenario(`CI pending, ${PRS} PRs (every ${FAST_INTERVAL_S}s)`, { pending: true });
  console.log('');
  console.log(
    table([
      [
        'per simulated hour',
        'cycles',
        'warm-up req',
        'requests',
        '304',
        '304 share',
        'counted',
        'of 5000/h',
        'graphql',
      ],
      ...[idle, busy].map((s) => [
        s.name,
        s.cyclesPerHour,
        s.warmUp,
        s.requests,
        s.notModified,
        `${fmt(s.share304 * 100, 1)}%`,
        s.counted,
        `${fmt((s.counted / RATE_LIMIT_PER_HOUR) * 100, 2)}%`,
        s.graphql,
      ]),
    ]),
  );
  console.log('');
  console.log(
    `github-requests: idle ${idle.requests} requests/h, ${fmt(idle.share304 * 100, 1)}% answered 304 (target ≥ ${TARGET_IDLE_304 * 100}%) ${passMiss(idle.share304 >= TARGET_IDLE_304)}`,
  );
  console.log(
    `github-requests: CI pending ${busy.requests} requests/h, ${busy.counted} counted = ${fmt((busy.counted / RATE_LIMIT_PER_HOUR) * 100, 2)}% of the ${RATE_LIMIT_PER_HOUR}/h limit (reported, not judged)`,
  );
});
