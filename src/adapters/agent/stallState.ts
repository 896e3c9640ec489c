// The agent's stall or budget state in words, for `mission show`, /status and /live: the last
// progress line of kind `stall` or `budget` ("nudged: the same tool call 5 times in a row: Bash:
// npm test"), while the run goes on after it. Pure. docs/missions.md#stalls-and-budgets-per-mission
import type { AgentProgress } from './types.js';

/** `stall: nudged: …` or `budget: …`, from the newest such line among the progress lines. */
export function stallStateOf(
  progress: ReadonlyArray<{ kind: AgentProgress['kind'] | string; text?: string }>,
): string | undefined {
  for (let i = progress.length - 1; i >= 0; i -= 1) {
    const p = progress[i];
    if (p?.kind === 'stall' || p?.kind === 'budget') return `${p.kind}: ${p.text ?? ''}`;
  }
  return undefined;
}
