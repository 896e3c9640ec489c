// A bare NATS client process, the baseline the tree's actors are compared with:
//
//   node bench/bare-client.mjs <nats url>                 connect and idle
//   node bench/bare-client.mjs <nats url> --echo <subj>   also answer requests on <subj> with their payload
//   node bench/bare-client.mjs --no-nats                  plain Node, no client loaded (a floor)
//   … --loop-monitor <ms>                                  also keep perf_hooks.monitorEventLoopDelay
//                                                          enabled at that resolution, as every
//                                                          actor's heartbeat does (20 ms)
//
// Prints "ready" once connected (and subscribed). Exits when stdin closes (the benchmark that
// started it is gone), on SIGTERM/SIGINT, or when the connection closes.
const args = process.argv.slice(2);
const lifeline = () => {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
};
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
const monitor = args.indexOf('--loop-monitor');
if (monitor >= 0) {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  // Keep a reference: an unreferenced histogram is collected and its timer stops.
  globalThis.loopMonitor = monitorEventLoopDelay({ resolution: Number(args[monitor + 1]) });
  globalThis.loopMonitor.enable();
}

if (args[0] === '--no-nats') {
  lifeline();
  process.stdout.write('ready\n');
} else {
  const { connect } = await import('nats');
  const url = args[0];
  const echo = args.indexOf('--echo');
  // Credentials from the environment (never argv): the tree's embedded server requires a user.
  const auth = process.env.NATS_USER ? { user: process.env.NATS_USER, pass: process.env.NATS_PASSWORD ?? '' } : {};
  const nc = await connect({
    servers: url,
    name: 'bench-bare',
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    ...auth,
  });
  if (echo >= 0) {
    nc.subscribe(args[echo + 1], {
      callback: (error, msg) => {
        if (!error) msg.respond(msg.data);
      },
    });
  }
  await nc.flush();
  lifeline();
  void nc.closed().then(() => process.exit(0));
  process.stdout.write('ready\n');
}
