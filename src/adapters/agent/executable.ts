// Finding the agent CLI the way a shell would, but in the agent's own PATH (not roshi's).
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The executable for `command`, searched in `pathVar` when it has no slash; undefined when missing. */
export function findExecutable(command: string, pathVar: string | undefined, cwd = process.cwd()): string | undefined {
  const isRunnable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) {
    const file = isAbsolute(command) ? command : resolve(cwd, command);
    return isRunnable(file) ? file : undefined;
  }
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, command);
    if (isRunnable(file)) return file;
  }
  return undefined;
}
