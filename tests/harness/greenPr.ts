// A followed PR whose CI is green, as the auto-merge tests start from: acme/app#7 on a roshi
// branch, no fix attempts spent, no open threads. Tests override what they are about.
import type { TrackedPr } from '../../src/prPoller/types.js';

export function greenPr<T extends Partial<TrackedPr>>(over: T): TrackedPr & T {
  return {
    repo: 'acme/app',
    number: 7,
    url: 'https://github.com/acme/app/pull/7',
    project: 'app',
    branch: 'roshi/x-abc123',
    headSha: 'a'.repeat(40),
    state: 'open',
    ci: 'success',
    failing: [],
    attempts: 0,
    maxAttempts: 5,
    unresolvedThreads: 0,
    handledFeedback: [],
    enteredAt: 0,
    updatedAt: 0,
    ...over,
  };
}
