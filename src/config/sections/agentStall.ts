// agent.stall: the rules a running agent is watched by for progress, not just output, and the
// tiers a stalled one goes through (src/adapters/agent/stallRules.ts, stallTiers.ts). A count or
// a time of 0 turns its rule off. docs/missions.md#stalls-and-budgets-per-mission
import { boolean, duration, integer, number, section } from '../specBuilders.js';

export const agentStallSection = section({
  repeatedCall: integer(0),
  repeatedError: integer(0),
  noProgress: duration(0),
  noProgressTurns: integer(0),
  turnsWithoutEdits: number(0, 1),
  checkInterval: duration(100),
  nudge: boolean(),
  graceTurns: integer(0),
  stopGrace: duration(1),
});
