// The layering rules of docs/architecture.md#where-new-code-goes as a pure check over an import
// graph, so tests/unit/architecture.test.ts can run it on the real tree and on planted violations.
// Files and local imports are repository paths ('machines/chat.ts'); packages stay bare ('xstate').
import { dirname, posix } from 'node:path';
import ts from 'typescript';

/** Every file's imports: repository paths for local files, package names for the rest. */
export type ImportGraph = Record<string, readonly string[]>;

/** A cycle the tree is allowed to keep for now: exactly these files, and why. */
export interface KnownCycle {
  files: readonly string[];
  why: string;
}

/** Static `import`/`export … from`, side-effect imports, `import('…')` and `typeof import('…')`, type-only ones included. */
export function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** A specifier as the graph names it: a relative one becomes the repository path of its .ts source. */
export function resolveSpecifier(fromFile: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const joined = posix.normalize(posix.join(dirname(fromFile), specifier));
  return joined.replace(/\.js$/, '.ts');
}

/** A bare specifier's package: 'nats', '@xstate/store', 'node:fs' (a subpath like 'nats/lib/x' counts as 'nats'). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const isLocal = (target: string): boolean => target.startsWith('src/') || target.startsWith('machines/');

/** What breaks the layering, one sentence per import (or per cycle); empty when the graph keeps every rule. */
export function layeringViolations(graph: ImportGraph, knownCycles: readonly KnownCycle[] = []): string[] {
  const problems: string[] = [];
  for (const [file, imports] of Object.entries(graph)) {
    for (const target of imports) {
      // Machines stay pure: no I/O, no host code, only each other, the wire shapes and XState.
      if (
        file.startsWith('machines/') &&
        !(target.startsWith('machines/') || target.startsWith('src/contracts/') || target === 'xstate')
      ) {
        problems.push(`${file} imports ${target}: machines/ may import only machines/, src/contracts/ and xstate`);
      }
      // One module owns the NATS client, so connection options, codecs and errors are decided once.
      if (!isLocal(target) && packageOf(target) === 'nats' && !file.startsWith('src/bus/')) {
        problems.push(`${file} imports ${target}: only src/bus/ may import the NATS client`);
      }
      // Adapters are the outside world; the processes that use them depend on them, never the reverse.
      if (
        file.startsWith('src/adapters/') &&
        (target.startsWith('src/actors/') || target.startsWith('src/supervisor/'))
      ) {
        problems.push(`${file} imports ${target}: src/adapters/ may not import src/actors/ or src/supervisor/`);
      }
      // Contracts are the shared vocabulary: depending on anything would drag it into every machine.
      if (file.startsWith('src/contracts/') && !target.startsWith('src/contracts/')) {
        problems.push(`${file} imports ${target}: src/contracts/ may import only src/contracts/`);
      }
    }
  }
  const known = new Map(knownCycles.map((cycle) => [[...cycle.files].sort().join(' '), cycle]));
  const seen = new Set<string>();
  for (const component of cyclicComponents(graph)) {
    const key = [...component].sort().join(' ');
    seen.add(key);
    if (!known.has(key)) problems.push(`import cycle: ${cyclePath(graph, component).join(' → ')}`);
  }
  for (const [key] of known) {
    if (!seen.has(key)) problems.push(`known cycle no longer there, remove it from the list: ${key}`);
  }
  return problems;
}

/** The strongly connected components of the local files that hold a cycle (Tarjan). */
export function cyclicComponents(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const edges = (file: string): string[] => (graph[file] ?? []).filter((target) => target in graph);
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of edges(file)) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || edges(file).includes(file)) components.push(component.sort());
    }
  };
  for (const file of Object.keys(graph).sort()) if (!index.has(file)) visit(file);
  return components;
}

/** One shortest cycle through the component's first file, as a path that ends where it starts. */
function cyclePath(graph: ImportGraph, component: readonly string[]): string[] {
  const members = new Set(component);
  const start = component[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of graph[file] ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at: string | undefined = file; at !== undefined && at !== start; at = cameFrom.get(at))
          path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, file);
        queue.push(next);
      }
    }
  }
  return [...component, start];
}
