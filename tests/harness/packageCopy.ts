// A private copy of the built package, so a test can "update" it (write a new build id, as
// `npm run build` does) without disturbing other test files that run from the real dist/.
import { cpSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

export interface PackageCopy {
  dir: string;
  mainScript: string;
  /** Writes a new dist/build.json the way scripts/build.mjs does; returns the new id. */
  rebuild: () => string;
  remove: () => void;
}

export function copyPackage(): PackageCopy {
  const root = packageRoot();
  const dir = mkdtempSync(join(tmpdir(), 'roshi-pkg-'));
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(root, 'config'), join(dir, 'config'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  let n = 0;
  return {
    dir,
    mainScript: join(dir, 'dist', 'main.js'),
    rebuild: () => {
      const buildId = `test-rebuild-${++n}-${Date.now()}`;
      const tmp = join(dir, 'dist', '.build.json.tmp');
      writeFileSync(tmp, JSON.stringify({ buildId, builtAt: new Date().toISOString() }));
      renameSync(tmp, join(dir, 'dist', 'build.json'));
      return buildId;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
