// The words the pipeline writes: commit message, PR title and body, the chat notification.
import { escapeMentions } from '../adapters/github/index.js';
import { oneLine } from '../text/oneLine.js';
import type { PipelineInput, PipelineResult } from './pipelineTypes.js';

/** The mission text as a commit or PR title: one line, at most 60 characters. */
export function titleLine(text: string): string {
  return oneLine(text, 60);
}

export function commitMessage(mission: PipelineInput['mission'], project: string): string {
  return escapeMentions(
    `roshi: ${titleLine(mission.text)}\n\nMission ${mission.id} (${mission.kind}, project ${project})\n`,
  );
}

/**
 * Description (the mission text unless given), agent summary, the mission line. An update of an
 * existing PR passes the description and summary it keeps, and `Updated` (pullRequestText.ts).
 */
export function pullRequestBody(
  input: Pick<PipelineInput, 'mission' | 'project' | 'summary'>,
  keep: { description?: string; verb?: 'Opened' | 'Updated' } = {},
): string {
  const { mission } = input;
  const parts = [keep.description ?? mission.text.trim()].filter((p) => p !== '');
  if (input.summary?.trim()) parts.push(`## Summary\n\n${input.summary.trim()}`);
  const target = mission.url ? `, target ${mission.url}` : '';
  parts.push(
    `---\nMission \`${mission.id}\` (${mission.kind}, project ${input.project.name}${target}). ${keep.verb ?? 'Opened'} by roshi.`,
  );
  return parts.join('\n\n');
}

/** One terse chat message: outcome, where the work is, the gate, and what failed. */
export function notification(
  input: Pick<PipelineInput, 'mission' | 'project' | 'branch'>,
  result: Pick<PipelineResult, 'steps' | 'prUrl' | 'pushed' | 'gate' | 'ok'>,
): string {
  const icon = result.ok ? (result.gate === 'failed' || result.gate === 'broken' ? '⚠️' : '✅') : '❌';
  const where = result.prUrl
    ? result.prUrl
    : result.pushed
      ? `branch ${input.branch} pushed, no PR`
      : `branch ${input.branch}, nothing pushed`;
  const problems = result.steps.filter((s) => !s.ok).map((s) => `${s.step}: ${s.detail.split('\n')[0] ?? ''}`);
  const lines = [
    `${icon} [project:${input.project.name}] ${titleLine(input.mission.text)} → ${where} · gate ${result.gate}`,
  ];
  if (problems.length > 0) lines.push(...problems.map((p) => `  ${p}`));
  return lines.join('\n');
}
