// Which agent CLI to run when agent.command is "": `claude` on PATH, else the one installed
// alongside roshi (node_modules/.bin/claude, a dev dependency used by the tests).
import { join } from 'node:path';
import { packageRoot } from '../../paths.js';
import { findExecutable } from './executable.js';

export function agentCommand(configured: string, pathVar: string | undefined = process.env.PATH): string {
  if (configured.trim() !== '') return configured;
  if (findExecutable('claude', pathVar)) return 'claude';
  return join(packageRoot(), 'node_modules', '.bin', 'claude');
}
