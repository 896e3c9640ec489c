// Compiles src/ and machines/ into dist/, then writes the two files tsc cannot:
//  - dist/main.js, the stable entry point (`node dist/main.js …`), which loads dist/src/main.js;
//  - dist/build.json, a fresh build id. Every heartbeat carries the id its process loaded, and
//    the watchdog compares it with this file to detect version drift after an update.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(dist, 'src'), { recursive: true, force: true });
rmSync(join(dist, 'machines'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });

mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'main.js'), "#!/usr/bin/env node\nimport './src/main.js';\n", { mode: 0o755 });

// Atomic: a watchdog reading the file mid-write must never see half an id.
const build = {
  buildId: `${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`,
  builtAt: new Date().toISOString(),
};
const tmp = join(dist, `.build.json.${process.pid}`);
writeFileSync(tmp, JSON.stringify(build, null, 2) + '\n');
renameSync(tmp, join(dist, 'build.json'));
console.log(`built ${build.buildId}`);
