// Analysis aid, not a benchmark: preloaded into the tree's processes (NODE_OPTIONS=--import=…)
// by `BENCH_LOOP_MONITOR_RESOLUTION=<ms> node bench/footprint.mjs`, it makes
// perf_hooks.monitorEventLoopDelay use that resolution whatever the caller asks for, so the
// idle cost of the actors' 20 ms loop-delay monitor (src/actors/heartbeat.ts) can be measured
// on the real tree without changing the product.
import { syncBuiltinESMExports } from 'node:module';
import perfHooks from 'node:perf_hooks';

const resolution = Number(process.env.BENCH_LOOP_MONITOR_RESOLUTION);
if (Number.isFinite(resolution) && resolution > 0) {
  const original = perfHooks.monitorEventLoopDelay;
  perfHooks.monitorEventLoopDelay = (options = {}) => original({ ...options, resolution });
  syncBuiltinESMExports();
}
