// What the page may ask the tree to do, each mapped onto the NATS request the CLI makes for it
// (mission add/cancel/priority/pause/resume, restart), asked under the web actor's own bus user:
// the server's permissions (src/bus/permissions.ts) bound it to these subjects.
import type { Bus } from '../bus/index.js';
import { BadRequestError } from '../errors.js';

export const ACTION_VERBS = ['add', 'cancel', 'priority', 'pause', 'resume', 'restart'] as const;
export type ActionVerb = (typeof ACTION_VERBS)[number];

const text = (body: Record<string, unknown>, key: string): string => {
  const value = body[key];
  if (typeof value !== 'string' || value.trim() === '')
    throw new BadRequestError(`${key}: expected a non-empty string`);
  return value.trim();
};

/** The subject and payload of one action, as the CLI would send them; refuses anything else. */
export function actionRequest(
  bus: Pick<Bus, 'subjects'>,
  identity: string,
  body: Record<string, unknown>,
): { subject: string; payload: Record<string, unknown> } {
  const s = bus.subjects;
  const by = identity;
  switch (body.verb) {
    case 'add': {
      const project = typeof body.project === 'string' && body.project.trim() !== '' ? body.project.trim() : undefined;
      return {
        subject: s.missionsAs('add', identity),
        payload: {
          text: text(body, 'text'),
          by,
          ...(project ? { project } : {}),
          ...(body.now === true ? { now: true } : {}),
        },
      };
    }
    case 'cancel':
      return { subject: s.missionsAs('cancel', identity), payload: { id: text(body, 'id'), by } };
    case 'priority': {
      const to = body.to;
      if (!(to === 'top' || to === 'bottom' || (typeof to === 'number' && Number.isInteger(to) && to >= 1)))
        throw new BadRequestError('to: expected top, bottom or a queue position from 1');
      return { subject: s.missionsAs('priority', identity), payload: { id: text(body, 'id'), to } };
    }
    case 'pause':
      return {
        subject: s.missionsAs('pause', identity),
        payload: { by, ...(typeof body.for === 'string' && body.for !== '' ? { for: body.for } : {}) },
      };
    case 'resume':
      return { subject: s.missionsAs('resume', identity), payload: { by } };
    case 'restart':
      return { subject: s.supRestart, payload: { actor: text(body, 'actor'), by } };
    default:
      throw new BadRequestError(`verb: expected one of ${ACTION_VERBS.join(', ')}`);
  }
}
