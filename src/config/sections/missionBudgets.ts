// budgets.mission: what one mission's agent run may spend (money, tokens, turns), counted as it
// streams; reaching it stops the run at the next turn with its work kept. 0 = no limit; in a
// per-kind entry, 0 = the budgets.mission value. docs/missions.md#stalls-and-budgets-per-mission
import { MISSION_KINDS, type MissionKind } from '../../contracts/index.js';
import { integer, number, record, section } from '../specBuilders.js';

/** The mission kinds budgets.mission.kinds may name. */
const BUDGET_KINDS = MISSION_KINDS;

const missionLimits = () => section({ usd: number(0), tokens: integer(0), turns: integer(0) });

export const missionBudgetsSection = section({
  usd: number(0),
  tokens: integer(0),
  turns: integer(0),
  kinds: record(missionLimits(), { usd: 0, tokens: 0, turns: 0 }, BUDGET_KINDS),
});

type Limits = { usd: number; tokens: number; turns: number };

/** The limits for a mission of `kind`: its kind's entry where it sets one, else the default. */
export function missionBudgetFor(budget: Limits & { kinds: Record<string, Limits> }, kind: MissionKind): Limits {
  const own = budget.kinds[kind];
  const pick = (key: keyof Limits) => (own && own[key] > 0 ? own[key] : budget[key]);
  return { usd: pick('usd'), tokens: pick('tokens'), turns: pick('turns') };
}
