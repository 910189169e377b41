import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

// Tests run from dist/test; the sources are read where they are.
const src = path.resolve(new URL('../../src', import.meta.url).pathname);

/** Relative imports and re-exports of a module, `import type` included (a cycle in types is still a cycle). */
export function staticImports(text: string): string[] {
  const out: string[] = [];
  // import x from './a.js'; import { y } from "./b.js"; export * from './c.js'; import './d.js';
  // (dynamic import() is left out: it runs after both modules have loaded)
  const pattern = /^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm;
  for (const m of text.matchAll(pattern)) out.push(m[1]);
  return out;
}

/** Strongly connected components with more than one module (or a module importing itself). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function sourceGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts') && !file.endsWith('.d.ts'))
        graph.set(
          path.relative(src, file),
          staticImports(readFileSync(file, 'utf8')).map((spec) =>
            path.relative(src, path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'))),
          ),
        );
    }
  };
  walk(src);
  return graph;
}

test('the cycle finder finds cycles (and reads every import form)', () => {
  assert.deepEqual(
    staticImports(
      `import a from './a.js';\nimport {\n  b,\n  type c,\n} from "./b.js";\nexport * from './c.js';\nimport type { D } from './d.js';\nimport './e.js';\nconst f = await import('./f.js');\nimport fs from 'node:fs';`,
    ),
    ['./a.js', './b.js', './c.js', './d.js', './e.js'],
  );
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
    ['e', ['e']],
  ]);
  assert.deepEqual(cycles(graph), [['a', 'b', 'c'], ['e']]);
});

test('no import cycles in src (static imports, types included)', () => {
  const graph = sourceGraph();
  assert.ok(graph.size > 100, `read ${graph.size} modules`);
  assert.ok(graph.get('index/exact.ts')?.includes('index/exact-kernels.ts'));
  assert.deepEqual(cycles(graph), []);
});

/**
 * The stages of src/ in the order they may import each other: a module imports from its own stage
 * or one to its left. The foundations come first — vectors holds the matrix types every stage
 * passes around, text the sentence splitter and language guess the corpus readers use — then the
 * pipeline; eval measures tasks; the server and the CLI are shells over all of it.
 */
export const STAGES = [
  'errors',
  'util',
  'vectors',
  'text',
  'corpus',
  'embed',
  'index',
  'store',
  'tasks',
  'eval',
  'server',
  'cli',
];

/** The stage of a path relative to src ('tasks/cluster.ts' → tasks); undefined for the package root. */
export function stageOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  const stage = parts.length === 1 ? parts[0].replace(/\.ts$/, '') : parts[0];
  return parts.length === 1 && stage !== 'errors' ? undefined : stage;
}

/** Imports that run from a stage to one right of it. */
export function backImports(graph: Map<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [file, deps] of graph) {
    const from = STAGES.indexOf(stageOf(file) ?? '');
    if (from < 0) continue; // src/index.ts, version.ts: the package's front door
    for (const dep of deps) {
      const to = STAGES.indexOf(stageOf(dep) ?? '');
      if (to > from) wrong.push(`${file} → ${dep}`);
    }
  }
  return wrong;
}

test('the layering check finds an import that runs back up the pipeline', () => {
  const graph = new Map([
    ['tasks/cluster.ts', ['eval/clustering.ts', 'vectors/dense.ts', 'errors.ts']],
    ['eval/bench.ts', ['tasks/classify.ts']],
    ['index.ts', ['cli/main.ts']],
  ]);
  assert.deepEqual(backImports(graph), ['tasks/cluster.ts → eval/clustering.ts']);
});

test('no module imports from a stage right of its own (src/ layering)', () => {
  const graph = sourceGraph();
  assert.ok(
    [...graph.keys()].every((f) => stageOf(f) === undefined || STAGES.includes(stageOf(f)!)),
    'every folder of src/ is a stage',
  );
  assert.deepEqual(backImports(graph), []);
});
