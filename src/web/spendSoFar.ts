// A running mission's cost so far, read the way the day ledger counts it (StreamSpend over the
// CLI's stream-json lines, money estimated from list prices until a run's `result` gives the
// exact figure), from the mission's run logs: every attempt's, summed. The web actor reads the
// same files it replays finished runs from (runReplay.ts); no actor is asked.
import { readFile } from 'node:fs/promises';
import { StreamSpend } from '../usage/streamSpend.js';
import { runLogFiles } from './runReplay.js';

export interface SpendSoFar {
  usd: number;
  tokens: number;
  turns: number;
  runs: number;
}

/** undefined while the mission has no run log yet. */
export async function missionSpendSoFar(stateDir: string, missionId: string): Promise<SpendSoFar | undefined> {
  const { files } = await runLogFiles(stateDir, missionId);
  if (files.length === 0) return undefined;
  const total: SpendSoFar = { usd: 0, tokens: 0, turns: 0, runs: files.length };
  for (const file of files) {
    const spend = new StreamSpend();
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) spend.line(line);
    total.usd += spend.total.usd;
    total.tokens += spend.total.tokens;
    total.turns += spend.total.turns;
  }
  return total;
}
