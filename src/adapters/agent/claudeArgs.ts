// The Claude Code command line for a request (without the executable). The prompt is never in
// it: it goes on stdin. Why each flag is there: docs/claude-cli.md#command-line.
import type { Logger } from '../../log.js';
import { isAbsolute } from 'node:path';
import { isValidEffort, isValidModel } from './resolve.js';
import type { AgentRunRequest } from './types.js';

/** The argv for a request (without the executable). Exported for tests. */
export function buildClaudeArgs(
  request: Pick<
    AgentRunRequest,
    'model' | 'fallbackModel' | 'effort' | 'maxTurns' | 'allowedTools' | 'tools' | 'disallowedTools' | 'addDirs'
  >,
  log?: Logger,
): string[] {
  // stream-json input: the prompt is the first message on stdin, and the runner can nudge or
  // interrupt the session later (docs/claude-cli.md#streaming-input).
  const args = [
    '--print',
    '--input-format',
    'stream-json',
    '--output-format',
    'stream-json',
    '--verbose',
    '--max-turns',
    String(request.maxTurns),
  ];
  const model = request.model?.trim();
  if (model) {
    if (isValidModel(model)) args.push('--model', model);
    else log?.warn({ model }, 'invalid model dropped; the CLI default is used');
  }
  const fallback = request.fallbackModel?.trim();
  if (fallback) {
    if (isValidModel(fallback)) args.push('--fallback-model', fallback);
    else log?.warn({ fallbackModel: fallback }, 'invalid fallback model dropped');
  }
  const effort = request.effort?.trim();
  if (effort) {
    if (isValidEffort(effort)) args.push('--effort', effort);
    else log?.warn({ effort }, 'invalid effort dropped; the CLI default is used');
  }
  // One comma-separated argument; "" leaves no tool at all.
  if (request.tools !== undefined) args.push('--tools', toolNames(request.tools, log).join(','));
  // Variadic flags: each ends at the next flag, and the prompt goes on stdin, never after them.
  const dirs = (request.addDirs ?? []).filter((dir) => dir.trim() !== '');
  const badDirs = dirs.filter((dir) => !isAbsolute(dir));
  if (badDirs.length > 0) log?.warn({ dirs: badDirs }, 'relative --add-dir directories dropped');
  const addDirs = dirs.filter((dir) => isAbsolute(dir));
  if (addDirs.length > 0) args.push('--add-dir', ...addDirs);
  const disallowed = toolNames(request.disallowedTools ?? [], log);
  if (disallowed.length > 0) args.push('--disallowedTools', ...disallowed);
  const allowed = toolNames(request.allowedTools, log);
  // Last, so that nothing after it is taken for a tool name.
  if (allowed.length > 0) args.push('--allowedTools', ...allowed);
  return args;
}

/** Trimmed, non-empty tool names; one starting with "-" would be read as a flag and is dropped. */
function toolNames(tools: readonly string[], log?: Logger): string[] {
  const names = tools.map((t) => t.trim()).filter((t) => t !== '');
  const refused = names.filter((t) => t.startsWith('-'));
  if (refused.length > 0) log?.warn({ tools: refused }, 'tool names starting with "-" dropped');
  return names.filter((t) => !t.startsWith('-'));
}
