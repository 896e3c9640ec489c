// Compiles src/ and machines/ into dist/ (with the live page's assets), then writes the two files tsc cannot:
//  - dist/main.js, the stable entry point (`node dist/main.js …`), which loads dist/src/main.js;
//  - dist/build.json, a fresh build id. Every heartbeat carries the id its process loaded, and
//    the watchdog compares it with this file to detect version drift after an update.
// The tree may be running from dist/ while it is rebuilt: compile into a scratch directory and
// swap it in with renames, so a child respawned mid-build never finds half a dist/.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const next = join(dist, `.next-${process.pid}`);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(next, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--outDir', next], { stdio: 'inherit' });
} catch {
  rmSync(next, { recursive: true, force: true });
  process.exit(1);
}

// The live page's browser files (plain JS, CSS, HTML) next to the server module that serves them.
cpSync(join(root, 'src', 'web', 'assets'), join(next, 'src', 'web', 'assets'), { recursive: true });

mkdirSync(dist, { recursive: true });
for (const dir of ['src', 'machines']) {
  const old = join(dist, `.old-${dir}-${process.pid}`);
  if (existsSync(join(dist, dir))) renameSync(join(dist, dir), old);
  renameSync(join(next, dir), join(dist, dir));
  rmSync(old, { recursive: true, force: true });
}
rmSync(next, { recursive: true, force: true });
writeFileSync(join(dist, 'main.js'), "#!/usr/bin/env node\nimport './src/main.js';\n", { mode: 0o755 });

// Atomic: a watchdog reading the file mid-write must never see half an id.
const build = {
  buildId: `${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomBytes(3).toString('hex')}`,
  builtAt: new Date().toISOString(),
};
const tmp = join(dist, `.build.json.${process.pid}`);
writeFileSync(tmp, JSON.stringify(build, null, 2) + '\n');
renameSync(tmp, join(dist, 'build.json'));
console.log(`built ${build.buildId}`);
