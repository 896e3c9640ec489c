// What inspection costs a machine while nobody inspects (docs/observability.md#stately-inspector).
// One process: a machine with an assign and a guard (like roshi's) takes EVENTS events, three ways
// that alternate round by round on the same work:
//
//   without (baseline): the actor alone, as with inspect.enabled: false.
//   detached (judged):  the real InspectionGate from dist/ on the actor, no inspector present.
//   attached (reported): the gate with a fresh presence: it observes the actor system, and every
//                        event and snapshot becomes a Stately record (JSON copies of event, context
//                        and value) handed to a no-op publish.
//
// Target: the median of the rounds' ratios detached / without ≤ 1.1.
import { join } from 'node:path';
import { assign, createActor, createMachine } from 'xstate';
import { environment, fmt, main, median, passMiss, PACKAGE_ROOT, table } from './lib.mjs';

const TARGET = 1.1;
const ROUNDS = Number(process.env.BENCH_INSPECT_ROUNDS ?? 15);
const EVENTS = Number(process.env.BENCH_INSPECT_EVENTS ?? 20_000);
const { InspectionGate } = await import(join(PACKAGE_ROOT, 'dist', 'src', 'inspect', 'gate.js'));

const machine = createMachine({
  id: 'bench',
  initial: 'idle',
  context: { beats: 0, last: 0, recent: [] },
  states: {
    idle: { on: { BEAT: { target: 'busy', actions: 'count' } } },
    busy: {
      on: {
        BEAT: [
          { guard: ({ context }) => context.beats % 10 === 0, target: 'idle', actions: 'count' },
          { actions: 'count' },
        ],
      },
    },
  },
}).provide({
  actions: {
    count: assign(({ context, event }) => ({
      beats: context.beats + 1,
      last: event.at,
      recent: [...context.recent.slice(-4), event.at],
    })),
  },
});

let published = 0;
function run(mode) {
  const gate = new InspectionGate({ actor: 'bench', publish: () => void published++ });
  const actor = createActor(machine);
  actor.start();
  if (mode !== 'without') gate.addRoot(actor);
  if (mode === 'attached') gate.presence({ viewer: 'bench', ttlMs: 600_000 });
  const started = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i++) actor.send({ type: 'BEAT', at: i });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  gate.stop();
  actor.stop();
  return ms;
}

await main('inspect-cost', async () => {
  console.log(environment());
  const times = { without: [], detached: [], attached: [] };
  for (const mode of Object.keys(times)) run(mode); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['without', 'detached', 'attached'] : ['attached', 'detached', 'without'];
    for (const mode of order) times[mode].push(run(mode));
  }
  const row = (label, v) => [label, v.length, fmt(median(v)), fmt(Math.min(...v)), fmt(Math.max(...v))];
  console.log('');
  console.log(
    table([
      [`${EVENTS} events`, 'n', 'median ms', 'min ms', 'max ms'],
      row('without inspection', times.without),
      row('gate, no inspector', times.detached),
      row('gate, inspector attached', times.attached),
    ]),
  );
  // Each round's ratio against the same round's baseline: runs next to each other share the
  // machine's load, which on a busy 2-core machine moves more than the thing measured.
  const paired = (mode) => median(times[mode].map((ms, i) => ms / times.without[i]));
  const detached = paired('detached');
  const attached = paired('attached');
  console.log('');
  console.log(`inspect-cost: ${published} records built while attached (to a no-op publish)`);
  console.log(`inspect-cost: inspector attached, median ratio ${fmt(attached)} (reported, not judged)`);
  console.log(
    `inspect-cost: no inspector, median ratio ${fmt(detached)} (target ≤ ${TARGET}) ${passMiss(detached <= TARGET)}`,
  );
});
