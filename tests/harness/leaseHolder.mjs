// A lease holder in a process of its own (so a test can SIGSTOP it): connects to the cluster,
// acquires the lease, renews it every RENEW_MS and prints one JSON line per event. Runs the
// built code (dist/): `npm run -s build` first. Arguments come from the environment.
import { Bus } from '../../dist/src/bus/bus.js';
import { Lease, LeaseLost } from '../../dist/src/bus/lease.js';
import { LeaseBucket } from '../../dist/src/bus/leaseBucket.js';
import { silentLogger } from '../../dist/src/log.js';

const env = process.env;
const say = (event) => process.stdout.write(`${JSON.stringify({ at: Date.now(), ...event })}\n`);
const bus = await Bus.connect({
  url: env.LEASE_URL,
  user: env.LEASE_USER,
  password: env.LEASE_PASSWORD,
  name: 'lease-holder',
  prefix: 'roshi',
  logger: silentLogger(),
  replicas: 3,
});
const kv = await LeaseBucket.open(bus, env.LEASE_NAME);
const lease = new Lease({ store: kv, key: env.LEASE_KEY, holder: env.LEASE_HOLDER, ttlMs: Number(env.LEASE_TTL_MS) });
while (!(await lease.acquire())) await new Promise((r) => setTimeout(r, 50));
say({ event: 'acquired', deadline: lease.deadline() });
for (;;) {
  await new Promise((r) => setTimeout(r, Number(env.LEASE_RENEW_MS)));
  try {
    await lease.renew();
    say({ event: 'renewed', deadline: lease.deadline() });
  } catch (error) {
    if (error instanceof LeaseLost) {
      say({ event: 'lost', message: error.message });
      await bus.nc.close();
      process.exit(0);
    }
    say({ event: 'renew-failed', message: String(error) });
  }
}
