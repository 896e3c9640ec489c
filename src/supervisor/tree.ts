// The supervision tree as configured: which children, in which order, with which heal settings.
import type { ChildInput, HealSettings } from '../../machines/childSupervision.js';
import { backoffSettings } from '../config/backoffSettings.js';
import type { RoshiConfig } from '../config/index.js';
import { actorName } from '../contracts/actorName.js';

export const NATS_CHILD = 'nats';

export function healSettings({ supervision: s }: RoshiConfig): HealSettings {
  return {
    readyTimeoutMs: s.readyTimeout,
    ackTimeoutMs: s.ackTimeout,
    cooperativeTimeoutMs: s.cooperativeTimeout,
    sigtermGraceMs: s.sigtermGrace,
    backoff: backoffSettings(s.backoff),
    circuit: {
      maxConsecutiveFailures: s.maxTier3Failures,
      intensity: { maxFailures: s.intensity.maxRestarts, periodMs: s.intensity.period },
      openForMs: s.circuitOpenFor,
    },
  };
}

/** The supervisor's own name (and bus user): `supervisor`, or `h2-supervisor` on host h2. */
export function supervisorName(config: Pick<RoshiConfig, 'host'>): string {
  return actorName(config.host.id, 'supervisor');
}

/** This host's watchdog: the one child the supervisor judges itself (selfWatch.ts). */
export function watchdogName(config: Pick<RoshiConfig, 'host'>): string {
  return actorName(config.host.id, 'watchdog');
}

/**
 * Start order: nats → watchdog → missions → bridge → chat → runner(s) → pr-poller → webhook → web.
 * Stop order is the reverse. With host.id set each name but `nats` is `<host>-<name>`
 * (docs/scale-out.md#hosts-and-names).
 */
export function childNames(config: RoshiConfig, embeddedNats: boolean): string[] {
  const local = localChildNames(config);
  return [...(embeddedNats ? [NATS_CHILD] : []), ...local.map((name) => actorName(config.host.id, name))];
}

function localChildNames(config: RoshiConfig): string[] {
  const a = config.actors;
  return [
    'watchdog',
    ...(a.missions.enabled ? ['missions'] : []),
    ...(a.bridge.enabled ? ['bridge'] : []),
    ...(a.chat.enabled ? ['chat'] : []),
    ...(a.runner.enabled ? Array.from({ length: a.runner.instances }, (_, i) => `runner-${i + 1}`) : []),
    ...(a.prPoller.enabled ? ['pr-poller'] : []),
    ...(a.webhook.enabled ? ['webhook'] : []),
    ...(a.web.enabled ? ['web'] : []),
  ];
}

export function childInputs(config: RoshiConfig, embeddedNats: boolean): ChildInput[] {
  const settings = healSettings(config);
  return childNames(config, embeddedNats).map((name) => ({ name, cooperative: name !== NATS_CHILD, settings }));
}
