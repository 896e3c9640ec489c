// What a mission looks like when it is added: pending, no attempts, its limits from the settings.
// Pure; the store (store.ts) picks its id and queue order and writes it.
import { capContext, type Mission } from '../contracts/index.js';
import type { ParsedMission } from './parse.js';
import type { MissionSettings } from './settings.js';
import type { MissionInput } from './store/types.js';

export function newMissionRecord(
  parsed: ParsedMission,
  input: Pick<MissionInput, 'source' | 'by' | 'context'>,
  settings: Pick<MissionSettings, 'maxAttempts' | 'maxTransientAttempts'>,
  placed: { id: string; order: number; now: number },
): Mission {
  return {
    id: placed.id,
    text: parsed.text,
    project: parsed.project,
    kind: parsed.kind,
    ...(parsed.url !== undefined ? { url: parsed.url } : {}),
    source: input.source ?? 'nats',
    ...(input.by ? { by: input.by } : {}),
    ...(input.context ? { context: capContext(input.context) } : {}),
    status: 'pending',
    order: placed.order,
    attempts: 0,
    transientAttempts: 0,
    maxAttempts: settings.maxAttempts,
    maxTransientAttempts: settings.maxTransientAttempts,
    createdAt: placed.now,
    updatedAt: placed.now,
  };
}
