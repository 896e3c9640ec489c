// What a person types for a runner in /abort: its full name (`h2-runner-2`), just its number
// (`2`, enough on one host or when one host has that number), or host and number (`h2-2`).
import { parseActorName } from '../contracts/index.js';

export type RunnerRef = { runner: string } | { ambiguous: string[] } | { unknown: string };

/** The runner among `runners` (the tree's runner names) that `ref` names. */
export function resolveRunnerRef(ref: string, runners: readonly string[]): RunnerRef {
  if (runners.includes(ref)) return { runner: ref };
  const hostAndNumber = /^(?:([a-z][a-z0-9]{0,15})-)?(\d+)$/.exec(ref);
  if (hostAndNumber) {
    const [, host, n] = hostAndNumber;
    const matches = runners.filter((name) => {
      const parsed = parseActorName(name);
      return parsed?.local === `runner-${n}` && (host === undefined || parsed.host === host);
    });
    if (matches.length === 1) return { runner: matches[0]! };
    if (matches.length > 1) return { ambiguous: matches };
  }
  return { unknown: ref };
}
