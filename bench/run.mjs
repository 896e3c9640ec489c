// Runs every benchmark in sequence (`npm run bench` builds first) and repeats their verdict
// lines at the end. Benchmarks report, they do not gate: the exit code is 0 whatever the
// figures, and non-zero only when a benchmark could not run at all.
//
//   node bench/run.mjs                      all of them
//   node bench/run.mjs control-rtt footprint  just these
//
// The benchmarks run a private copy of the built package (dist/, config/, package.json and a
// node_modules link, as tests/harness/packageCopy.ts does), taken when this script starts: a
// rebuild of the checkout during the run — another engineer's `npm run build` — would otherwise
// mix builds and make the watchdog report drift, so the tree rolls every actor mid-measurement.
// BENCH_NO_SNAPSHOT=1 runs the checkout's dist/ directly.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
let snapshot;
if (!process.env.BENCH_NO_SNAPSHOT && !process.env.BENCH_PACKAGE_ROOT) {
  snapshot = mkdtempSync(join(tmpdir(), 'roshi-bench-pkg-'));
  cpSync(join(root, 'dist'), join(snapshot, 'dist'), { recursive: true });
  cpSync(join(root, 'config'), join(snapshot, 'config'), { recursive: true });
  cpSync(join(root, 'package.json'), join(snapshot, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(snapshot, 'node_modules'));
  const build = JSON.parse(readFileSync(join(snapshot, 'dist', 'build.json'), 'utf8'));
  console.log(`benchmarking build ${build.buildId} (copied to ${snapshot})`);
}
const removeSnapshot = () => snapshot && rmSync(snapshot, { recursive: true, force: true });
const ALL = [
  'control-rtt',
  'crash-recovery',
  'hang-recovery',
  'footprint',
  'store',
  'mission-dispatch',
  'mission-overhead',
  'github-requests',
  'webhook-latency',
  'chat-latency',
  'bus-auth',
  'scrubber',
  'jetstream-sync',
  'missions-memory',
  'inspect-cost',
  'stall-detection',
  'web-latency',
  'bridge-idle',
  'kv-cas-scope',
  'nats-node-kill',
  'singleton-failover',
  'hosts-throughput',
];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
const PER_BENCH_LIMIT_MS = 10 * 60_000;

let current;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    // The benchmark cleans up on its own signal handler; a terminal's Ctrl-C reaches it directly.
    if (current && current.exitCode === null) current.kill('SIGINT');
  });
}

const verdicts = [];
let failures = 0;
for (const name of chosen) {
  if (interrupted) break;
  if (!ALL.includes(name)) {
    console.error(`unknown benchmark ${name}; known: ${ALL.join(', ')}`);
    failures++;
    continue;
  }
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  current = spawn(process.execPath, [join(here, `${name}.mjs`)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: snapshot ? { ...process.env, BENCH_PACKAGE_ROOT: snapshot } : process.env,
  });
  let out = '';
  current.stdout.on('data', (chunk) => {
    out += chunk.toString();
    process.stdout.write(chunk);
  });
  const limit = setTimeout(() => current.kill('SIGINT'), PER_BENCH_LIMIT_MS);
  const code = await new Promise((resolve) => current.once('close', (c, signal) => resolve(c ?? signal)));
  clearTimeout(limit);
  const lines = out.split('\n').filter((l) => l.startsWith(`${name}:`) && /(PASS|MISS|ERROR)$/.test(l));
  verdicts.push(...(lines.length ? lines : [`${name}: no verdict (exit ${code}) ERROR`]));
  if (code !== 0) failures++;
  console.log(`(${name} took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

console.log('\n=== summary ===');
for (const line of verdicts) console.log(line);
const missed = verdicts.filter((l) => l.endsWith('MISS')).length;
console.log(
  `${verdicts.length - missed - verdicts.filter((l) => l.endsWith('ERROR')).length} PASS, ${missed} MISS${failures ? `, ${failures} benchmark(s) could not run` : ''}`,
);
removeSnapshot();
process.exit(interrupted ? 130 : failures ? 1 : 0);
