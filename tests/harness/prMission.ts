// Mission records as the PR poller and the CI prompts see them: one a runner finished by pushing
// to a PR (its `finished` event is what puts the PR into the CI queue), and one a GitHub command
// such as /ci_check opened on PR 7 of acme/app. Field values are those the tests always used.
import { type Mission, missionEvent } from '../../src/contracts/index.js';

// Queued first, one attempt spent of a budget of 3 (and 3 transient ones).
const ONE_ATTEMPT_IN = {
  order: 1,
  attempts: 1,
  transientAttempts: 0,
  maxAttempts: 3,
  maxTransientAttempts: 3,
  createdAt: 0,
  updatedAt: 0,
};

/** The done mission a runner reports after pushing `branch` to the PR at `prUrl`. */
export const pushedMission = (id: string, prUrl: string, branch: string): Mission => ({
  id,
  text: 'x',
  project: 'app',
  kind: 'free',
  source: 'nats',
  status: 'done',
  ...ONE_ATTEMPT_IN,
  result: { prUrl, branch },
});

/** The `finished` event a runner's mission store publishes after pushing to the PR. */
export const pushedEvent = (id: string, prUrl: string, branch: string, at = Date.now()) =>
  missionEvent('finished', pushedMission(id, prUrl, branch), at);

export const PR_7 = 'https://github.com/acme/app/pull/7';

/** A running GitHub-command mission of `kind` on PR 7, with its fetched `context` if any. */
export const prCommandMission = (kind: Mission['kind'], context?: string): Mission => ({
  id: 'm1',
  text: `/${kind} ${PR_7}`,
  project: 'app',
  kind,
  url: PR_7,
  source: 'github',
  status: 'running',
  ...ONE_ATTEMPT_IN,
  ...(context !== undefined ? { context } : {}),
});
