// The schema of the process tree: heartbeats, the watchdog that reads them, how the supervisor
// restarts and gives up, and which actors run. Keys: docs/configuration.md#core-and-supervision-in-effect.
import { boolean, duration, integer, number, section } from '../specBuilders.js';

export const heartbeatSection = section({ interval: duration(100) });

export const watchdogSection = section({
  checkInterval: duration(50),
  staleAfter: duration(1),
  maxLoopLag: duration(1),
});

export const supervisionSection = section({
  readyTimeout: duration(1),
  ackTimeout: duration(1),
  cooperativeTimeout: duration(1),
  sigtermGrace: duration(1),
  backoff: section({ initial: duration(0), max: duration(0), multiplier: number(1), jitter: number(0, 1) }),
  intensity: section({ maxRestarts: integer(1), period: duration(1) }),
  maxTier3Failures: integer(1),
  circuitOpenFor: duration(1),
  orphanTimeout: duration(1),
  alertInterval: duration(0),
  leaseTtl: duration(1000),
});

export const actorsSection = section({
  bridge: section({ enabled: boolean() }),
  chat: section({ enabled: boolean() }),
  runner: section({ enabled: boolean(), instances: integer(1, 32) }),
  prPoller: section({ enabled: boolean() }),
  missions: section({ enabled: boolean() }),
  webhook: section({ enabled: boolean() }),
  web: section({ enabled: boolean() }),
});
