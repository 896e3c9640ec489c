// The layering of docs/architecture.md#where-new-code-goes, checked on every .ts file of src/ and
// machines/: machines pure, one owner of the NATS client, adapters below the processes, contracts
// depending on nothing, no import cycles. The checker is shown failing on planted violations too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  importSpecifiers,
  layeringViolations,
  resolveSpecifier,
  type ImportGraph,
  type KnownCycle,
} from '../harness/layering.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The import graph of every .ts file under src/ and machines/. */
function realGraph(): ImportGraph {
  const graph: Record<string, string[]> = {};
  for (const top of ['src', 'machines']) {
    for (const entry of readdirSync(join(ROOT, top), { recursive: true, encoding: 'utf8' })) {
      if (!entry.endsWith('.ts')) continue;
      const file = `${top}/${entry.split('\\').join('/')}`;
      graph[file] = importSpecifiers(readFileSync(join(ROOT, file), 'utf8')).map((specifier) =>
        resolveSpecifier(file, specifier),
      );
    }
  }
  return graph;
}

/**
 * Cycles the tree still has. Each is listed with why it is left; a new cycle, or one of these
 * gaining a file, fails the test, and so does an entry whose cycle is gone.
 */
const KNOWN_CYCLES: readonly KnownCycle[] = []; // none since machines/chat.ts ↔ src/chat/request.ts went (src/contracts/)

describe('the real tree', () => {
  const graph = realGraph();

  it('reads the files and their imports', () => {
    expect(Object.keys(graph).length).toBeGreaterThan(50);
    expect(graph['machines/chat.ts']).toContain('xstate');
    expect(graph['src/actors/registry.ts']).toContain('src/actors/watchdog.ts'); // a dynamic import
  });

  it('keeps every layering rule', () => {
    expect(layeringViolations(graph, KNOWN_CYCLES)).toEqual([]);
  });
});

describe('the checker, on planted violations', () => {
  const clean: ImportGraph = {
    'machines/runner.ts': ['xstate', 'machines/backoff.ts', 'src/contracts/index.ts'],
    'machines/backoff.ts': [],
    'src/contracts/index.ts': ['src/contracts/mission.ts'],
    'src/contracts/mission.ts': [],
    'src/bus/connect.ts': ['nats', 'src/contracts/index.ts'],
    'src/adapters/git.ts': ['execa', 'node:fs'],
    'src/actors/runner.ts': ['machines/runner.ts', 'src/adapters/git.ts', 'src/bus/connect.ts'],
  };
  const plant = (file: string, ...imports: string[]): ImportGraph => ({
    ...clean,
    [file]: [...(clean[file] ?? []), ...imports],
  });

  it('passes a graph that keeps the rules', () => {
    expect(layeringViolations(clean)).toEqual([]);
  });

  it('fails a machine importing src/, I/O or another package, type-only imports included', () => {
    expect(
      layeringViolations(plant('machines/runner.ts', 'src/missions/store.ts', 'node:fs', '@xstate/store')),
    ).toEqual([
      'machines/runner.ts imports src/missions/store.ts: machines/ may import only machines/, src/contracts/ and xstate',
      'machines/runner.ts imports node:fs: machines/ may import only machines/, src/contracts/ and xstate',
      'machines/runner.ts imports @xstate/store: machines/ may import only machines/, src/contracts/ and xstate',
    ]);
    // importSpecifiers keeps `import type`, so a type-only import is held to the same rule.
    expect(importSpecifiers("import type { Mission } from '../src/missions/store.js';")).toEqual([
      '../src/missions/store.js',
    ]);
  });

  it('fails the NATS client imported outside src/bus/, a subpath included', () => {
    expect(layeringViolations(plant('src/actors/runner.ts', 'nats'))).toEqual([
      'src/actors/runner.ts imports nats: only src/bus/ may import the NATS client',
    ]);
    expect(layeringViolations(plant('machines/backoff.ts', 'nats/lib/x'))).toContain(
      'machines/backoff.ts imports nats/lib/x: only src/bus/ may import the NATS client',
    );
  });

  it('fails an adapter importing an actor or the supervisor', () => {
    expect(layeringViolations(plant('src/adapters/git.ts', 'src/actors/runner.ts', 'src/supervisor/host.ts'))).toEqual([
      'src/adapters/git.ts imports src/actors/runner.ts: src/adapters/ may not import src/actors/ or src/supervisor/',
      'src/adapters/git.ts imports src/supervisor/host.ts: src/adapters/ may not import src/actors/ or src/supervisor/',
      // actors/runner → adapters/git → actors/runner is a cycle as well
      'import cycle: src/actors/runner.ts → src/adapters/git.ts → src/actors/runner.ts',
    ]);
  });

  it('fails a contract importing anything outside src/contracts/', () => {
    expect(layeringViolations(plant('src/contracts/mission.ts', 'src/log.ts', 'zod'))).toEqual([
      'src/contracts/mission.ts imports src/log.ts: src/contracts/ may import only src/contracts/',
      'src/contracts/mission.ts imports zod: src/contracts/ may import only src/contracts/',
    ]);
  });

  it('fails an import cycle and names its path', () => {
    const cyclic = {
      ...clean,
      'src/a.ts': ['src/b.ts'],
      'src/b.ts': ['src/c.ts'],
      'src/c.ts': ['src/a.ts'],
      'src/self.ts': ['src/self.ts'],
    };
    expect(layeringViolations(cyclic)).toEqual([
      'import cycle: src/a.ts → src/b.ts → src/c.ts → src/a.ts',
      'import cycle: src/self.ts → src/self.ts',
    ]);
  });

  it('lets a known cycle pass, but not one that grew, and flags a known cycle that is gone', () => {
    const cyclic = { ...clean, 'src/a.ts': ['src/b.ts'], 'src/b.ts': ['src/a.ts'] };
    const known: KnownCycle[] = [{ files: ['src/b.ts', 'src/a.ts'], why: 'planted' }];
    expect(layeringViolations(cyclic, known)).toEqual([]);
    expect(layeringViolations({ ...cyclic, 'src/b.ts': ['src/c.ts'], 'src/c.ts': ['src/a.ts'] }, known)).toEqual([
      'import cycle: src/a.ts → src/b.ts → src/c.ts → src/a.ts',
      'known cycle no longer there, remove it from the list: src/a.ts src/b.ts',
    ]);
    expect(layeringViolations(clean, known)).toEqual([
      'known cycle no longer there, remove it from the list: src/a.ts src/b.ts',
    ]);
  });

  it('reads static, re-export, side-effect, dynamic and type-position imports, not comments', () => {
    const source = [
      "import { a } from './a.js';",
      "import type {\n  B,\n} from '../b.js';",
      "export * from './c.js';",
      "import './d.js';",
      "// import { e } from './e.js';",
      "const f = await import('./f.js');",
      "let g: typeof import('g-package');",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './f.js', 'g-package']);
    expect(resolveSpecifier('src/actors/chat.ts', '../../machines/chat.js')).toBe('machines/chat.ts');
    expect(resolveSpecifier('src/actors/chat.ts', 'xstate')).toBe('xstate');
  });
});
