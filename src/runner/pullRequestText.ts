// A PR's title and body as the pipeline writes them — when opening it, and when a later mission
// on its branch updates it — and the comment saying what that mission changed. Every body ends
// with the gate mark auto-merge reads (docs/missions.md#gates-and-pull-requests).
import { formatGateMark, withoutGateMarks } from '../adapters/github/gateMark.js';
import { parsePullUrl } from '../adapters/github/pullUrl.js';
import type { GateOutcome } from './gates.js';
import type { GateVerdict } from './gateVerdict.js';
import { pullRequestBody, titleLine } from './pipelineText.js';
import type { PipelineInput } from './pipelineTypes.js';

type TextInput = Pick<PipelineInput, 'mission' | 'project' | 'summary'>;

export interface GateRecord {
  gate: GateOutcome;
  verdict: GateVerdict;
  /** The commit the gates ran on. */
  commit?: string;
}

export interface PullTexts {
  title: string;
  body: string;
}

/** Title and body of a new PR. */
export function openingText(input: TextInput, gate: GateRecord): PullTexts {
  return {
    title: `roshi: ${titleLine(input.mission.text)}`,
    body: withGate(pullRequestBody(input), input, gate),
  };
}

/**
 * Title and body of an open PR after another mission on its branch. A mission of its own (a
 * retry) rewrites both. A command on the PR (`/fix <url> …`) keeps the description, takes its own
 * words (if any) as the title, and its summary (else the old one) as the summary.
 */
export function updatedText(existing: PullTexts, input: TextInput, gate: GateRecord): PullTexts {
  const { mission } = input;
  const verb = existing.body.includes(`Mission \`${mission.id}\``) ? 'Opened' : 'Updated';
  if (!isCommandOnPull(mission)) {
    return {
      title: `roshi: ${titleLine(mission.text)}`,
      body: withGate(pullRequestBody(input, { verb }), input, gate),
    };
  }
  const own = ownWords(mission.text, mission.url ?? '');
  const summary = input.summary?.trim() || summaryOf(existing.body);
  const body = pullRequestBody({ ...input, summary }, { description: descriptionOf(existing.body), verb });
  return { title: own ? `roshi: ${titleLine(own)}` : existing.title, body: withGate(body, input, gate) };
}

/** The comment on an updated PR: which mission, what it pushed, the gate, and its summary. */
export function updateComment(input: TextInput, push: { pushed: boolean; commits?: number }, gate: GateRecord): string {
  const { mission } = input;
  const n = push.commits ?? 0;
  const pushed = push.pushed ? `pushed ${n} commit${n === 1 ? '' : 's'}` : 'pushed nothing new';
  const lines = [
    `Mission \`${mission.id}\` (${mission.kind}): ${titleLine(mission.text)}`,
    '',
    `${pushed} · gate ${gate.gate}`,
  ];
  if (gate.verdict.action === 'draft') lines.push('', redGateNote(gate.verdict));
  if (input.summary?.trim()) lines.push('', '## Summary', '', input.summary.trim());
  return lines.join('\n');
}

/** A mission whose branch is the PR's head: its text is a command on that PR, not a description. */
function isCommandOnPull(mission: TextInput['mission']): boolean {
  return mission.url !== undefined && parsePullUrl(mission.url) !== undefined && /^\s*\//.test(mission.text);
}

/** `/fix <url> say it louder` → `say it louder`. */
function ownWords(text: string, url: string): string {
  return text
    .replace(/^\s*\/[\w-]+/, '')
    .replace(url, '')
    .trim();
}

const SECTION_ENDS = ['\n\n## Summary\n', '\n\n## The strict gate is red\n', '\n\n---\nMission `'];

/** What roshi wrote before its own sections: the description (everything, if it finds none). */
function descriptionOf(body: string): string {
  const text = withoutGateMarks(body);
  const cut = Math.min(...SECTION_ENDS.map((end) => text.indexOf(end)).filter((i) => i >= 0), text.length);
  return text.slice(0, cut).trim();
}

function summaryOf(body: string): string {
  const m = /\n## Summary\n\n([\s\S]*?)(?=\n\n## |\n\n---\nMission `|$)/.exec(withoutGateMarks(body));
  return m?.[1]?.trim() ?? '';
}

function redGateNote(verdict: GateVerdict): string {
  return `The strict gate is red (${verdict.red}), so this PR is a draft (\`onFail: draft\`) and roshi will not merge it.`;
}

/** The red-gate section for a draft, then the gate mark. */
function withGate(body: string, input: TextInput, gate: GateRecord): string {
  const parts = [body];
  if (gate.verdict.action === 'draft') {
    parts.push(
      `## The strict gate is red\n\n${redGateNote(gate.verdict)}\n\n~~~~text\n${gate.verdict.details.join('\n\n')}\n~~~~`,
    );
  }
  const mark = formatGateMark({ gate: gate.gate, mission: input.mission.id, commit: gate.commit ?? '' });
  return `${parts.join('\n\n')}\n\n${mark}`;
}
