// Spend budgets. `budgets.day.*` (this file's first part): what all agent runs together may spend
// per UTC day, per project and for the whole system; reaching one holds dispatch until the next
// day or a raise (docs/missions.md#spend-and-budgets). 0 = unlimited.
import { integer, number, section } from '../specBuilders.js';
import { missionBudgetsSection } from './missionBudgets.js';

/** One budget: money (USD), tokens (input, output and cache together) and agent turns; 0 = no limit. */
export const spendLimits = () => section({ usd: number(0), tokens: integer(0), turns: integer(0) });

export const budgetsSection = section({
  day: section({ project: spendLimits(), system: spendLimits() }),
  /** One mission's run (src/adapters/agent/runSteering.ts). */
  mission: missionBudgetsSection,
});
