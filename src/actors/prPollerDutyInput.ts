// What each pr-poller duty (mentions, auto-merge, cleanup) is built from: the actor's shared
// GitHub client, permission lookup, poller, state bucket and outbox. docs/github-mentions.md
import type { GitHubClient } from '../adapters/github/index.js';
import type { Bus, JsonKv } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Authorizer } from '../prPoller/permissions.js';
import type { Poller } from '../prPoller/poller.js';

export interface DutyInput {
  config: RoshiConfig;
  bus: Bus;
  github: GitHubClient;
  authorizer: Authorizer;
  poller: Poller;
  stateKv: JsonKv;
  notify: (text: string, id: string) => Promise<void>;
  logger: Logger;
}
