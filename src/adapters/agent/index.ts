// The agent adapter: how roshi runs a coding-agent CLI on a mission.
export type { AgentAdapter, AgentProgress, AgentRetryState, AgentRunRequest, AgentRunResult } from './types.js';
export { describeRetry, retryStateOf } from './retryState.js';
export { apiFailureSentence } from './apiFailure.js';
export { createClaudeAdapter, type ClaudeAdapterOptions } from './claude.js';
export { buildClaudeArgs } from './claudeArgs.js';
export { findExecutable } from './executable.js';
export {
  classifyRun,
  errorText,
  isTransientStatus,
  type Classification,
  type ClassifyInput,
  type FinishedOutcome,
} from './classify.js';
export {
  EFFORT_LEVELS,
  isValidEffort,
  isValidModel,
  MODEL_ALIASES,
  MODEL_NAME,
  resolveEffort,
  resolveModel,
  type Candidate,
  type ConfigLevel,
  type Rejection,
  type Resolution,
} from './resolve.js';
export { agentCommand } from './command.js';
export { AGENT_OF_ENV, agentMarker, findOrphanedAgents, killOrphanedAgents } from './orphans.js';
export { pruneRunLogs, runLogPath, type PruneOptions } from './runLogs.js';
export {
  parseStreamLine,
  summarizeToolInput,
  type ApiRetryEvent,
  type AssistantEvent,
  type InitEvent,
  type InvalidLine,
  type OtherEvent,
  type ResultEvent,
  type StreamEvent,
  type ToolResult,
  type ToolResultsEvent,
  type ToolUse,
} from './streamJson.js';
