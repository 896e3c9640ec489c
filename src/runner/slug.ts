// Branch names for missions: `<branchPrefix>/<slug>-<suffix>`, always a valid branch name
// (`git check-ref-format --branch`); a prefix that would break that is refused.
// - slug: the mission text as lower-case ASCII words joined by '-', at most SLUG_MAX
//   characters, never empty ('mission' when nothing is left);
// - suffix: from the mission id, so equal texts get different branches and a retry the same
//   one: the id's last 6 letters and digits when it has them, else 6 hex digits of its SHA-256.
import { createHash } from 'node:crypto';

export const SLUG_MAX = 40;
export const SUFFIX_LENGTH = 6;

/** Lower-case ASCII words joined by '-', at most `max` characters, never empty. */
export function slugify(text: string, max = SLUG_MAX): string {
  const words = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '') // combining marks: é → e
    .replace(/ß/g, 'ss')
    .replace(/[æÆ]/g, 'ae')
    .replace(/[øØ]/g, 'o')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  let slug = '';
  for (const word of words) {
    const next = slug === '' ? word : `${slug}-${word}`;
    if (next.length <= max) {
      slug = next;
      continue;
    }
    // The first word alone is too long: cut it; otherwise stop at the last whole word.
    if (slug === '') slug = word.slice(0, max);
    break;
  }
  return slug === '' ? 'mission' : slug;
}

/** A short, stable tag for a mission id: [a-z0-9]{6}. */
export function missionSuffix(missionId: string): string {
  const alnum = missionId.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (alnum.length >= SUFFIX_LENGTH) return alnum.slice(-SUFFIX_LENGTH);
  return createHash('sha256').update(missionId).digest('hex').slice(0, SUFFIX_LENGTH);
}

/** `<slug>-<suffix>`: the part after the prefix. */
export function missionSlug(text: string, missionId: string): string {
  return `${slugify(text)}-${missionSuffix(missionId)}`;
}

/** `<branchPrefix>/<slug>-<suffix>`; throws when the prefix cannot start a valid branch name. */
export function missionBranch(branchPrefix: string, text: string, missionId: string): string {
  const prefix = branchPrefix.replace(/\/+$/, '');
  const branch = prefix === '' ? missionSlug(text, missionId) : `${prefix}/${missionSlug(text, missionId)}`;
  if (!isValidBranchName(branch)) {
    throw new Error(`branch prefix ${JSON.stringify(branchPrefix)} does not make a valid git branch name (${branch})`);
  }
  return branch;
}

/** Whether a branch belongs to roshi (the PR poller's ownership rule): it starts with `<prefix>/`. */
export function isOwnBranch(branchPrefix: string, branch: string): boolean {
  const prefix = branchPrefix.replace(/\/+$/, '');
  return prefix !== '' && branch.startsWith(`${prefix}/`);
}

/**
 * `git check-ref-format --branch <name>` for names without `@{-N}` shorthands: the rules of
 * git-check-ref-format(1) applied to refs/heads/<name>.
 */
export function isValidBranchName(name: string): boolean {
  if (name === '' || name === 'HEAD' || name.startsWith('-')) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.includes('//')) return false;
  if (name.includes('..') || name.includes('@{')) return false;
  // control characters, DEL, space, ~ ^ : ? * [ and backslash
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}
