// The wire payloads machines and actors share, one file each, importing nothing outside
// src/contracts/ (tests/unit/architecture.test.ts checks it). Import them from here.
export {
  ACTOR_KIND_NAMES,
  actorName,
  HOST_ID_PATTERN,
  isOnHost,
  isRunnerName,
  parseActorName,
  type ActorKindName,
  type ParsedActorName,
} from './actorName.js';
export type { ChatReply, ChatRequest } from './chatRequest.js';
export { controlVerb, type AcceptedReply, type ControlRequest, type PingReply, type SnapshotReply } from './control.js';
export {
  readHeartbeat,
  toHeartbeatRecord,
  toHeartbeatRecords,
  type HeartbeatsReply,
  type HeartbeatPayload,
  type HeartbeatRecord,
} from './heartbeat.js';
export {
  APPROVAL_MODES,
  capContext,
  isFinished,
  type AgentDelivery,
  type ApprovalGate,
  type ApprovalMode,
  type MissionApproval,
  MISSION_CONTEXT_MAX,
  type Lease,
  type Mission,
  MISSION_KINDS,
  type MissionKind,
  type MissionNotice,
  type MissionResult,
  type MissionSource,
  type MissionStatus,
  type OutcomeClass,
  type StepReport,
  type TokenUsage,
} from './mission.js';
export {
  missionEvent,
  readMissionEvent,
  toMissionEvent,
  type MissionEvent,
  type MissionEventType,
} from './missionEvent.js';
export { readWaitingFor, waitingForText, type MissionReply, type MissionWaitingFor } from './missionReply.js';
export { parseOutboxMessage, type OutboxMessage } from './outboxMessage.js';
export { reader, typedSubject, type Reader, type ReplyOf, type RequestOf, type Subject } from './subject.js';
export { readVerdict, type Verdict, type VerdictKind } from './verdict.js';
