// Rules that involve more than one key, checked once every leaf is valid. Each names the key to
// blame and what it should have been; the loader adds which layer set it.
import { formatDuration } from './duration.js';
import type { RoshiConfig } from './schema.js';
import { embeddedReplicasViolation } from './sections/nats.js';
import { webExposureViolation } from './sections/web.js';

/** A cross-check that fails: the key it blames and what that key should have been. */
export interface Violation {
  key: string;
  expected: string;
}

/** A rule involving more than one key; returns the first violation, if any. */
export type CrossCheck = (config: RoshiConfig) => Violation | undefined;

/** A cross-check that blames one fixed key. */
const rule =
  (key: string, holds: (c: RoshiConfig) => boolean, expected: (c: RoshiConfig) => string): CrossCheck =>
  (c) =>
    holds(c) ? undefined : { key, expected: expected(c) };

export const crossChecks: CrossCheck[] = [
  (c) => {
    const expected = embeddedReplicasViolation(c.nats);
    return expected === undefined ? undefined : { key: 'nats.replicas', expected };
  },
  // A single late heartbeat must not count as a hang, so staleness needs more than one interval.
  rule(
    'watchdog.staleAfter',
    (c) => c.watchdog.staleAfter > c.heartbeat.interval,
    (c) => `a duration greater than heartbeat.interval (${formatDuration(c.heartbeat.interval)})`,
  ),
  // Otherwise the cap would shorten the very first delay, which is never what was meant.
  rule(
    'supervision.backoff.max',
    (c) => c.supervision.backoff.max >= c.supervision.backoff.initial,
    (c) => `a duration at least supervision.backoff.initial (${formatDuration(c.supervision.backoff.initial)})`,
  ),
  // A lease renewed no more often than it lasts expires between renewals, and another runner
  // would claim a mission that is still being worked on.
  rule(
    'missions.leaseRenew',
    (c) => c.missions.leaseRenew < c.missions.lease,
    (c) => `a duration less than missions.lease (${formatDuration(c.missions.lease)})`,
  ),
  rule(
    'missions.retryBackoff.max',
    (c) => c.missions.retryBackoff.max >= c.missions.retryBackoff.initial,
    (c) => `a duration at least missions.retryBackoff.initial (${formatDuration(c.missions.retryBackoff.initial)})`,
  ),
  // roshi needs a checkout to work in: an existing one, or a URL to clone.
  (c) => {
    const name = Object.keys(c.projects).find((n) => c.projects[n]?.path === '' && c.projects[n]?.url === '');
    return name === undefined
      ? undefined
      : {
          key: `projects.${name}.path`,
          expected: `a local git checkout, or projects.${name}.url set to a git URL to clone`,
        };
  },
  rule(
    'defaultProject',
    (c) => c.defaultProject === '' || Object.hasOwn(c.projects, c.defaultProject),
    (c) => {
      const names = Object.keys(c.projects);
      return names.length === 0 ? '"" (no projects are configured)' : `"" or a configured project: ${names.join(', ')}`;
    },
  ),
  // The page shows missions and their output and takes actions: off loopback only over TLS.
  (c) => {
    const key = webExposureViolation(c.web);
    return key === undefined
      ? undefined
      : {
          key,
          expected: `a certificate/key file: web.host ${c.web.host} is not loopback, and the page is served off loopback only over TLS (or keep web.host 127.0.0.1 behind a TLS reverse proxy)`,
        };
  },
];
