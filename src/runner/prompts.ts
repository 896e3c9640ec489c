// Prompts for missions are Markdown templates, one per mission kind, in config/prompts/. A user
// overrides one by putting a file of the same name in <stateDir>/prompts/; it is re-read for
// every mission, so an edit applies to the next mission without a restart.
//
// Text from outside (review comments, CI logs, issue text) reaches the prompt only inside
// untrusted blocks (untrusted.ts), built where the text is fetched. Whenever the prompt holds
// one, it also holds UNTRUSTED_NOTICE: where the template says {{untrustedNotice}}, else
// appended, so a user's own template cannot drop the warning.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mission } from '../contracts/index.js';
import { packageRoot } from '../paths.js';
import { hasUntrustedBlock, UNTRUSTED_NOTICE } from './untrusted.js';

export interface PromptValues {
  project: string;
  branch: string;
  baseBranch: string;
  remote: string;
  /** Failing CI logs for /ci_check and a /rebase of a red PR; default the mission's context. */
  ciLogs?: string;
}

/**
 * The mission's context (CI log tails, review comments) goes where the template says
 * {{ciLogs}}; a template without that placeholder gets it appended under "Context", so a user's
 * own template never silently loses it.
 */
export function promptFor(mission: Mission, values: PromptValues, stateDir: string): string {
  const template = readTemplate(mission.kind, stateDir);
  const context = values.ciLogs ?? mission.context ?? '';
  const fields: Record<string, string> = {
    text: mission.text,
    url: mission.url ?? '',
    project: values.project,
    branch: values.branch,
    baseBranch: values.baseBranch,
    remote: values.remote,
    ciLogs: context,
    id: mission.id,
    untrustedNotice: '',
  };
  const untrusted = hasUntrustedBlock(context) || hasUntrustedBlock(mission.text);
  if (untrusted) fields.untrustedNotice = UNTRUSTED_NOTICE;
  let prompt = fillTemplate(template, fields);
  if (context !== '' && !/\{\{ciLogs\}\}/.test(template)) prompt = `${prompt.trimEnd()}\n\n## Context\n\n${context}\n`;
  if (untrusted && !/\{\{untrustedNotice\}\}/.test(template)) prompt = `${prompt.trimEnd()}\n\n${UNTRUSTED_NOTICE}\n`;
  return prompt;
}

/** Replaces {{name}} placeholders; unknown names are left as they are, so a typo shows. */
export function fillTemplate(template: string, fields: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => fields[name] ?? whole).replace(/\n{3,}/g, '\n\n');
}

function readTemplate(kind: string, stateDir: string): string {
  for (const dir of [join(stateDir, 'prompts'), join(packageRoot(), 'config', 'prompts')]) {
    try {
      return readFileSync(join(dir, `${kind}.md`), 'utf8');
    } catch {
      // not overridden here
    }
  }
  throw new Error(`no prompt template for missions of kind ${kind} (config/prompts/${kind}.md)`);
}
