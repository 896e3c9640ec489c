// The supervision tree as configured: which children, in which order, with which heal settings.
import type { ChildInput, HealSettings } from '../../machines/childSupervision.js';
import { backoffSettings } from '../config/backoffSettings.js';
import type { RoshiConfig } from '../config/index.js';

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

/** Start order: nats → watchdog → missions → bridge → chat → runner(s) → pr-poller → webhook → web. Stop order is the reverse. */
export function childNames(config: RoshiConfig, embeddedNats: boolean): string[] {
  const a = config.actors;
  return [
    ...(embeddedNats ? [NATS_CHILD] : []),
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
