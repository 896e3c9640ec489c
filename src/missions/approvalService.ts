// /approve and /reject on the bus: <prefix>.missions.{approve,reject} (docs/missions.md#approval).
// The operator (CLI) and the bridge (an allowed chat operator, named in `by`) may answer an
// approval; no other identity. A rejection with a reason queues a follow-up mission carrying
// it, and the held worktree is removed (nothing was pushed).
import type { EndpointSpec, Payload, Subjects } from '../bus/index.js';
import { OPERATOR_USER } from '../bus/permissions.js';
import { RemoteError, RoshiError } from '../errors.js';
import type { Mission } from '../contracts/index.js';
import type { Logger } from '../log.js';
import { followUpContext } from './approval.js';
import { BadRequestError } from './errors.js';
import { ForbiddenError, identityOf } from './service.js';
import type { MissionStore } from './store.js';

export const APPROVAL_VERBS = ['approve', 'reject'] as const;

/** The reply to /reject: the rejected mission and the follow-up queued with the reason, if any. */
export interface RejectReply {
  mission: Mission;
  followUp?: Mission;
}

export interface ApprovalServiceOptions {
  /** Removes the worktree a rejected push held (approvalDiscard.ts); best effort. */
  discardWork: (mission: Mission) => Promise<void>;
  logger: Logger;
}

const MAY_ANSWER = new Set([OPERATOR_USER, 'bridge']);

export function approvalHandlers(store: MissionStore, options: ApprovalServiceOptions) {
  return {
    approve: async (p: Payload, identity: string): Promise<Mission> => {
      const { id, by } = request(p, identity, 'approve', ['id', 'by']);
      const mission = await store.approve(id, by);
      options.logger.info({ mission: mission.id, gate: mission.approval?.gate, by }, 'approved');
      return mission;
    },
    reject: async (p: Payload, identity: string): Promise<RejectReply> => {
      const { id, by } = request(p, identity, 'reject', ['id', 'by', 'reason']);
      const reason = typeof p.reason === 'string' && p.reason.trim() !== '' ? p.reason.trim() : undefined;
      if (p.reason !== undefined && p.reason !== null && typeof p.reason !== 'string')
        throw new BadRequestError('field "reason" must be a string');
      const rejected = await store.reject(id, by, reason);
      options.logger.info({ mission: rejected.id, gate: rejected.approval?.gate, by, reason }, 'rejected');
      if (rejected.approval?.gate === 'push')
        await options
          .discardWork(rejected)
          .catch((error: unknown) =>
            options.logger.warn({ err: error, mission: rejected.id }, 'the rejected work was not removed'),
          );
      if (!reason) return { mission: rejected };
      const followUp = await store.add({
        text: rejected.text,
        project: rejected.project,
        source: rejected.source,
        by,
        context: followUpContext(rejected, by, reason),
      });
      const mission = await store.noteFollowUp(rejected.id, followUp.id);
      return { mission, followUp };
    },
  };
}

/** The endpoints on the operator's bare subject; forEveryIdentity adds the `<subject>.*` ones. */
export function approvalEndpoints(
  store: MissionStore,
  subjects: Subjects,
  options: ApprovalServiceOptions,
): EndpointSpec[] {
  const handlers = approvalHandlers(store, options);
  return APPROVAL_VERBS.map((verb) => ({
    name: verb,
    subject: subjects.missions(verb),
    handler: async (payload: Payload, subject: string) => {
      try {
        return await handlers[verb](payload, identityOf(subject, subjects, verb));
      } catch (error) {
        if (error instanceof RoshiError && !(error instanceof RemoteError))
          throw new RemoteError(error.message, error.code);
        throw error;
      }
    },
  }));
}

function request(p: Payload, identity: string, verb: string, allowed: readonly string[]): { id: string; by: string } {
  if (!MAY_ANSWER.has(identity)) throw new ForbiddenError(`${identity} may not ${verb} missions`);
  const unknown = Object.keys(p).filter((k) => !allowed.includes(k));
  if (unknown.length > 0)
    throw new BadRequestError(`${verb}: unknown field ${JSON.stringify(unknown[0])}; expected ${allowed.join(', ')}`);
  if (typeof p.id !== 'string' || p.id.trim() === '')
    throw new BadRequestError('field "id" must be a non-empty string');
  if (p.by !== undefined && typeof p.by !== 'string') throw new BadRequestError('field "by" must be a string');
  const by = typeof p.by === 'string' && p.by.trim() !== '' ? p.by.trim() : identity;
  return { id: p.id.trim(), by };
}
