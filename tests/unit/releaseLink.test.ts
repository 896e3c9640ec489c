// The `current` link: switched in one rename, followed by the actor entry point and by the
// build id drift is judged against; without a link the process's own package is live.
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { currentLink, liveBuildIdReader, liveMainScript, liveRoot, switchLink } from '../../src/update/releaseLink.js';

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'roshi-link-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

function release(name: string, buildId: string): string {
  const dir = join(stateDir, 'releases', name);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'build.json'), JSON.stringify({ buildId, builtAt: new Date().toISOString() }));
  return dir;
}

describe('the current link', () => {
  it('without a link, the package this process runs from is live', () => {
    expect(liveRoot(stateDir)).toBe(packageRoot());
    expect(liveMainScript(stateDir)).toBe(join(packageRoot(), 'dist', 'main.js'));
  });

  it('children start through the link, not through the release it points at now', () => {
    switchLink(stateDir, release('a', 'build-a'));
    expect(liveMainScript(stateDir)).toBe(join(currentLink(stateDir), 'dist', 'main.js'));
  });

  it('switches by replacing the link, leaving no temporary link behind', () => {
    const a = release('a', 'build-a');
    const b = release('b', 'build-b');
    switchLink(stateDir, a);
    switchLink(stateDir, b);
    expect(readlinkSync(currentLink(stateDir))).toBe(b);
    expect(readdirSync(stateDir).sort()).toEqual(['current', 'releases']);
  });

  it('the build id drift is judged against follows the link', () => {
    const read = liveBuildIdReader(stateDir);
    switchLink(stateDir, release('a', 'build-a'));
    expect(read()).toBe('build-a');
    switchLink(stateDir, release('b', 'build-b'));
    expect(read()).toBe('build-b');
    switchLink(stateDir, join(stateDir, 'releases', 'a'));
    expect(read()).toBe('build-a');
  });
});
