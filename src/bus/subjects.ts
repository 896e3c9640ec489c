// Every subject and JetStream asset name roshi uses, derived from one prefix so several
// instances can share a NATS account. Nothing else in the code spells a subject by hand.

export type Subjects = ReturnType<typeof subjectsFor>;

export function subjectsFor(prefix: string) {
  const p = prefix;
  return {
    prefix: p,
    heartbeat: (actor: string) => `${p}.hb.${actor}`,
    heartbeatAll: `${p}.hb.>`,
    control: (actor: string) => `${p}.ctl.${actor}`,
    supStatus: `${p}.sup.status`,
    supRestart: `${p}.sup.restart`,
    supEvents: `${p}.sup.events`,
    watchdogVerdict: `${p}.watchdog.verdict`,
    bridgeIn: `${p}.bridge.in`,
    bridgeOut: `${p}.bridge.out`,
    /** Where the console provider writes what roshi says (read with `nats sub`). */
    bridgeConsole: `${p}.bridge.console`,
    chatRequest: `${p}.chat.req`,
    missions: (verb: string) => `${p}.missions.${verb}`,
    missionEvents: `${p}.missions.events`,
    runnerProgress: (runner: string) => `${p}.runner.${runner}.progress`,
    prEvents: `${p}.pr.events`,
    inspect: (actor: string) => `${p}.inspect.${actor}`,
    inspectAll: `${p}.inspect.>`,
    // JetStream assets. Bucket and stream names allow only [A-Za-z0-9_-].
    missionsBucket: `${p.replace(/-/g, '_')}_missions`,
    stateBucket: `${p.replace(/-/g, '_')}_state`,
    outboxStream: `${p.replace(/-/g, '_').toUpperCase()}_OUTBOX`,
  };
}
