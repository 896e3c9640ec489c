// What roshi keeps of a GitHub webhook delivery: which event, about which repository and pull
// requests. Nothing else of the payload is stored or trusted: the pr-poller re-reads GitHub, so
// a delivery out of order or a stale payload cannot mislead it. Pure. docs/github.md#webhooks

/** The events that can change what the pr-poller follows (CI, reviews, PR state, mentions). */
export const FOLLOWED_EVENTS = [
  'check_run',
  'check_suite',
  'workflow_run',
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'issue_comment',
] as const;

export type FollowedEvent = (typeof FOLLOWED_EVENTS)[number];

/** The record of one delivery in the delivery log (src/bus/githubDeliveries.ts). */
export interface DeliverySummary {
  deliveryId: string;
  event: FollowedEvent;
  action?: string;
  /** owner/name */
  repo: string;
  /** Pull requests (or the issue, for issue_comment) the event names; may be empty (a fork's check run). */
  numbers: number[];
  headSha?: string;
  /** When the webhook actor received it (ms since the epoch). */
  receivedAt: number;
}

export type Summarised = { kind: 'followed'; summary: DeliverySummary } | { kind: 'ignored'; reason: string };

type Json = Record<string, unknown>;
const object = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const numberOf = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;

/** The pull request numbers of a check run, check suite or workflow run (`pull_requests[]`). */
function pullNumbers(run: Json | undefined): number[] {
  const list = Array.isArray(run?.pull_requests) ? run.pull_requests : [];
  return list.map((pull) => numberOf(object(pull)?.number)).filter((n): n is number => n !== undefined);
}

export function summariseDelivery(event: string, deliveryId: string, payload: unknown, receivedAt: number): Summarised {
  if (!(FOLLOWED_EVENTS as readonly string[]).includes(event)) return { kind: 'ignored', reason: `event ${event}` };
  const body = object(payload);
  const repo = object(body?.repository)?.full_name;
  if (typeof repo !== 'string') return { kind: 'ignored', reason: 'no repository' };
  const followed = event as FollowedEvent;
  let numbers: number[] = [];
  let headSha: unknown;
  if (followed === 'check_run' || followed === 'check_suite' || followed === 'workflow_run') {
    const run = object(body?.[followed]);
    numbers = pullNumbers(run);
    headSha = run?.head_sha;
  } else if (followed === 'issue_comment') {
    const number = numberOf(object(body?.issue)?.number);
    numbers = number === undefined ? [] : [number];
  } else {
    const pull = object(body?.pull_request);
    const number = numberOf(pull?.number);
    numbers = number === undefined ? [] : [number];
    headSha = object(pull?.head)?.sha;
  }
  const action = body?.action;
  return {
    kind: 'followed',
    summary: {
      deliveryId,
      event: followed,
      ...(typeof action === 'string' ? { action } : {}),
      repo,
      numbers: [...new Set(numbers)],
      ...(typeof headSha === 'string' ? { headSha } : {}),
      receivedAt,
    },
  };
}

/** Reads a summary back from the log; undefined when it is not one. */
export function toDeliverySummary(value: unknown): DeliverySummary | undefined {
  const v = object(value);
  if (!v || typeof v.deliveryId !== 'string' || typeof v.repo !== 'string') return undefined;
  if (!(FOLLOWED_EVENTS as readonly string[]).includes(String(v.event))) return undefined;
  if (typeof v.receivedAt !== 'number' || !Array.isArray(v.numbers)) return undefined;
  return v as unknown as DeliverySummary;
}
