// The shape of roshi's configuration: every top-level key, in the order default.yaml lists them.
// Default values live only in config/default.yaml, so the schema cannot drift from them. The
// exception is a record (projects, agent.roles): its entries are named by the user, so its
// per-entry defaults are written here, typed as a complete entry. docs/configuration.md#every-key
import { HOST_ID_PATTERN, MISSION_KINDS } from '../contracts/index.js';
import { budgetsSection } from './sections/budgets.js';
import { bridgeSection, chatSection } from './sections/messaging.js';
import {
  autoMergeSection,
  ciSection,
  cleanupSection,
  githubSection,
  missionsSection,
  prPollerSection,
  runnerSection,
  webhookSection,
} from './sections/missions.js';
import { agentStallSection } from './sections/agentStall.js';
import { natsSection } from './sections/nats.js';
import { actorsSection, heartbeatSection, supervisionSection, watchdogSection } from './sections/supervision.js';
import { webSection } from './sections/web.js';
import type { ValueOf } from './spec.js';
import {
  boolean,
  duration,
  integer,
  nonEmptyString,
  oneOf,
  record,
  section,
  string,
  stringList,
  stringMap,
} from './specBuilders.js';

const PREFIX_PATTERN = /^[a-z][a-z0-9_-]*$/;
const BRANCH_PREFIX_PATTERN = /^[a-z0-9][a-z0-9._-]*$/i;
/** The mission kinds agent.roles may name. */
export const AGENT_ROLES = MISSION_KINDS;

const gateMode = () => oneOf('off', 'warn', 'strict');
/** A quality gate or lint section; onFail: what a red strict gate does to the push (docs/missions.md#gates-and-pull-requests). */
const gateSection = () => section({ mode: gateMode(), commands: stringList(), onFail: oneOf('block', 'draft') });

const projectEntry = section({
  path: string(),
  url: string(),
  baseBranch: nonEmptyString(),
  remote: nonEmptyString(),
  pushRemote: string(),
  githubRepo: string({
    test: (v) => v === '' || /^[\w.-]+\/[\w.-]+$/.test(v),
    expected: '"" or owner/name, e.g. "acme/app"',
  }),
  model: string(),
  effort: string(),
  qualityGate: gateSection(),
  lint: gateSection(),
  /** docs/missions.md#approval: "" takes missions.approval.<kind>; a value here wins over it. */
  approval: oneOf('', 'none', 'push', 'merge'),
});

const agentRoleEntry = section({ model: string(), effort: string() });

export const configSchema = section({
  prefix: string({
    test: (v) => PREFIX_PATTERN.test(v),
    expected: `a name matching ${PREFIX_PATTERN} (lower case, starts with a letter)`,
  }),
  // docs/scale-out.md#hosts-and-names: "" is a single-host installation, names as they always were.
  host: section({
    id: string({
      test: (v) => v === '' || HOST_ID_PATTERN.test(v),
      expected: `"" (a single host) or a host id matching ${HOST_ID_PATTERN}`,
    }),
  }),
  stateDir: string(),
  workspace: string(),
  defaultProject: string(),
  projects: record(projectEntry, {
    path: '',
    url: '',
    baseBranch: 'main',
    remote: 'origin',
    pushRemote: '',
    githubRepo: '',
    model: '',
    effort: '',
    qualityGate: { mode: 'off', commands: [], onFail: 'block' },
    lint: { mode: 'off', commands: [], onFail: 'block' },
    approval: '',
  }),
  git: section({
    branchPrefix: string({
      test: (v) => BRANCH_PREFIX_PATTERN.test(v),
      expected: `a name matching ${BRANCH_PREFIX_PATTERN}`,
    }),
    authorName: nonEmptyString(),
    authorEmail: nonEmptyString(),
  }),
  agent: section({
    command: string(),
    // Free strings: the agent adapter knows which models and efforts exist, and skips an
    // invalid one with a warning rather than refusing to start.
    model: string(),
    fallbackModel: string(),
    effort: string(),
    maxTurns: integer(1, 1000),
    allowedTools: stringList(),
    idleTimeout: duration(1),
    timeout: duration(1),
    killGrace: duration(1),
    env: stringMap(),
    passEnv: stringList(),
    roles: record(agentRoleEntry, { model: '', effort: '' }, AGENT_ROLES),
    runLogs: section({ maxAge: duration(1), maxCount: integer(1) }),
    stall: agentStallSection,
  }),
  missions: missionsSection,
  budgets: budgetsSection,
  runner: runnerSection,
  github: githubSection,
  bridge: bridgeSection,
  chat: chatSection,
  prPoller: prPollerSection,
  ci: ciSection,
  autoMerge: autoMergeSection,
  cleanup: cleanupSection,
  webhook: webhookSection,
  web: webSection,
  log: section({
    level: oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
    pretty: oneOf('auto', 'always', 'never'),
  }),
  nats: natsSection,
  heartbeat: heartbeatSection,
  watchdog: watchdogSection,
  supervision: supervisionSection,
  actors: actorsSection,
  inspect: section({ enabled: boolean() }),
  secrets: section({ env: stringList() }),
});

export type RoshiConfig = ValueOf<typeof configSchema>;
