// The poller's filter of listed pull requests: roshi's own ones (ownership.ts) pass; a fork's PR
// with a roshi-like branch is logged once, so the operator sees why it is not followed.
// docs/github.md#registering-repositories
import type { PullSummary } from '../adapters/github/index.js';
import type { Logger } from '../log.js';
import { isOwnBranch } from '../runner/slug.js';
import { judgeOwnership, type OwnershipRule } from './ownership.js';

/** At most this many foreign PRs are remembered as logged; then the memory starts over. */
const MAX_FOREIGN_LOGGED = 1_000;

export function ownPullFilter(rule: OwnershipRule, logger: Logger): (pull: PullSummary) => boolean {
  /** PRs with a prefixed branch that are not own (forks), already logged. */
  const foreignLogged = new Set<string>();
  return (pull) => {
    const ownership = judgeOwnership(pull, rule);
    if (ownership.own) return true;
    const key = `${pull.repo}#${pull.number}`;
    if (isOwnBranch(rule.branchPrefix, pull.headRef) && !foreignLogged.has(key)) {
      if (foreignLogged.size >= MAX_FOREIGN_LOGGED) foreignLogged.clear();
      foreignLogged.add(key);
      logger.info(
        { url: pull.url, branch: pull.headRef, headRepo: pull.headRepo, reason: ownership.reason },
        "not following a pull request with a roshi-like branch: it is not roshi's own",
      );
    }
    return false;
  };
}
