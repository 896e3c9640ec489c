// What a branch changes against a base: files and lines added and removed, for the approval
// summary an operator reads before a push (docs/missions.md#approval).
import { git } from './run.js';

export interface DiffStat {
  files: string[];
  added: number;
  removed: number;
}

/** `git diff --numstat base...head`: binary files count as changed with no lines. */
export async function diffStat(cwd: string, base: string, head = 'HEAD'): Promise<DiffStat> {
  const { stdout } = await git(['diff', '--numstat', '-z', '--no-renames', `${base}...${head}`], { cwd });
  const stat: DiffStat = { files: [], added: 0, removed: 0 };
  for (const entry of stdout.split('\0')) {
    const [added, removed, file] = entry.split('\t');
    if (file === undefined || file === '') continue;
    stat.files.push(file);
    stat.added += Number(added) || 0;
    stat.removed += Number(removed) || 0;
  }
  return stat;
}
