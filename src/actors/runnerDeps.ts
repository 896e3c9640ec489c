// What the runner actor's effects share: set up once in runner.ts, handed to each effect module.
import type { AgentAdapter, AgentProgress } from '../adapters/agent/index.js';
import type { GitHubClient } from '../adapters/github/index.js';
import type { Bus } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import type { MissionStore } from '../missions/store.js';
import type { PipelineBreakers } from '../runner/pipeline.js';

export interface RunnerDeps {
  name: string;
  config: RoshiConfig;
  bus: Bus;
  logger: Logger;
  store: MissionStore;
  agent: AgentAdapter;
  /** undefined when github.tokenEnv names an unset variable. */
  github: GitHubClient | undefined;
  marker: string;
  runLogDir: string;
  /** Where agents write their stream files; shared by the host's runners (streamFile.ts). */
  streamDir: string;
  breakers: PipelineBreakers;
  /** The last progress lines of the running agent, for the `live` control verb. */
  live: AgentProgress[];
}

/** What the runner keeps about the mission in hand between the machine's steps. */
export interface Workspace {
  repo: string;
  worktree: string;
  branch: string;
  project: RoshiConfig['projects'][string] & { name: string };
  /** An earlier attempt's worktree, kept with the work its agent finished (Mission.delivery). */
  kept: boolean;
}
