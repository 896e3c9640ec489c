// The gate mark: an HTML comment at the end of a roshi PR's body recording the last mission's
// gate result, so auto-merge can refuse a PR whose last gate was red (docs/missions.md#gates-and-pull-requests).
// Invisible in the rendered PR; a person who deletes it takes the decision back.

export interface GateMark {
  /** passed, failed, broken or off (the pipeline's combined gate). */
  gate: string;
  mission: string;
  /** The first 12 hex digits of the commit the gate ran on. */
  commit: string;
}

const MARK = /<!-- roshi-gate: ([a-z]+); mission ([\w-]*); commit ([0-9a-f]*) -->/g;

export function formatGateMark(mark: GateMark): string {
  return `<!-- roshi-gate: ${mark.gate}; mission ${mark.mission}; commit ${mark.commit.slice(0, 12)} -->`;
}

/** The last gate mark in a body, if any. */
export function lastGateMark(body: string): GateMark | undefined {
  let last: GateMark | undefined;
  for (const m of body.matchAll(MARK)) last = { gate: m[1] ?? '', mission: m[2] ?? '', commit: m[3] ?? '' };
  return last;
}

/** A body without its gate marks (to replace them). */
export function withoutGateMarks(body: string): string {
  return body.replace(MARK, '').trimEnd();
}

/** Red: the gate failed or could not run. Anything but passed/off counts as red (fail closed). */
export function isRedGate(gate: string): boolean {
  return gate !== 'passed' && gate !== 'off';
}
