// Heal and circuit state in the KV bucket <prefix>_state, one key per child, so a restarted
// supervisor remembers a crash loop and an open circuit instead of starting from zero.
import type { PersistedHealState } from '../../machines/childSupervision.js';
import { JsonKv } from '../bus/index.js';
import type { Logger } from '../log.js';

const keyOf = (child: string) => `heal.${child}`;

export class HealStore {
  constructor(
    private readonly kv: JsonKv,
    private readonly logger: Logger,
  ) {}

  async loadAll(names: string[]): Promise<Record<string, PersistedHealState>> {
    const result: Record<string, PersistedHealState> = {};
    for (const name of names) {
      try {
        const entry = await this.kv.get<PersistedHealState>(keyOf(name));
        if (entry && isHealState(entry.value)) result[name] = entry.value;
      } catch (error) {
        this.logger.warn({ err: error, child: name }, 'could not read persisted heal state; starting fresh');
      }
    }
    return result;
  }

  async save(name: string, state: PersistedHealState): Promise<void> {
    await this.kv.put(keyOf(name), state);
  }
}

function isHealState(value: unknown): value is PersistedHealState {
  const v = value as PersistedHealState;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.totalRestarts === 'number' &&
    typeof v.counts?.failures === 'number' &&
    Array.isArray(v.counts?.recentFailures) &&
    ['closed', 'open', 'halfOpen'].includes(v.circuit)
  );
}
