// The build id in a release's dist/build.json (written by scripts/build.mjs), or undefined.
import { readFileSync } from 'node:fs';
import type { BuildInfo } from '../paths.js';

export function readBuildId(file: string): string | undefined {
  try {
    const id = (JSON.parse(readFileSync(file, 'utf8')) as Partial<BuildInfo>).buildId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
