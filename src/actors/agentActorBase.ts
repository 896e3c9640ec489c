// What the runner and chat actors set up first, alike: no agent of this actor's previous process
// may keep working, then the mission store, the state bucket and the agent CLI adapter, whose
// every run is counted into the day ledger as it streams (src/usage/spendMeter.ts).
import {
  agentCommand,
  agentMarker,
  createClaudeAdapter,
  killOrphanedAgents,
  type AgentAdapter,
} from '../adapters/agent/index.js';
import { JsonKv } from '../bus/index.js';
import { missionSettings } from '../missions/settings.js';
import { MissionStore } from '../missions/store.js';
import { meteredAgent } from '../usage/spendMeter.js';
import type { ActorEnvironment } from './host.js';

export interface AgentActorBase {
  /** Set in the environment of this actor's agents, to find them after a crash. */
  marker: string;
  missions: MissionStore;
  stateKv: JsonKv;
  agent: AgentAdapter;
}

export async function openAgentActor(
  { name, config, bus, logger }: ActorEnvironment,
  /** The project a run spends for (the runner's mission); chat runs count for the system only. */
  projectOf: () => string | undefined = () => undefined,
  /** The runner lets its predecessor's agent finish (predecessorAgent.ts) instead. */
  orphans: 'kill' | 'spare' = 'kill',
): Promise<AgentActorBase> {
  const marker = agentMarker(config.prefix, config.stateDir, name);
  if (orphans === 'kill') killOrphanedAgents(marker, logger);
  const missions = await MissionStore.open(bus, missionSettings(config), { logger });
  const stateKv = await JsonKv.open(bus, bus.subjects.stateBucket);
  const cli = createClaudeAdapter({
    command: agentCommand(config.agent.command),
    logger,
    passEnv: config.agent.passEnv,
  });
  const agent = meteredAgent(cli, { kv: stateKv, logger, projectOf });
  return { marker, missions, stateKv, agent };
}
