// The test fakes (tests/fakes/*.ts) for a bench: transpiled on the fly into a temp directory,
// all of them, so one fake can import another (./httpFake.js) as it does under vitest.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { onCleanup, ROOT } from './lib.mjs';

let loaded;

/** Imports tests/fakes/<name>.ts (e.g. 'github'); the fakes import node built-ins and each other only. */
export async function importFake(name) {
  loaded ??= transpileFakes();
  return import(pathToFileURL(join(loaded, `${name}.js`)).href);
}

function transpileFakes() {
  const ts = createRequire(import.meta.url)('typescript');
  const source = join(ROOT, 'tests', 'fakes');
  const dir = mkdtempSync(join(tmpdir(), 'roshi-bench-fakes-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  for (const file of readdirSync(source).filter((f) => f.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(join(source, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), outputText);
  }
  return dir;
}
