// Holds src/ to the house rules of docs/architecture.md (test/support/house-rules.ts):
// who may import whom, type-only imports included; no import cycles of any kind; pure
// modules stay pure; production code never imports test code; comments cite files in
// the repo. Prevents layering drift — a codec that grows a socket, a CLI that reaches
// into the core, two modules that need each other — and shows on a planted cycle that
// the check can fail.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cycleThrough, findCycles, importGraph, importsOf, listSources } from './support/import-graph.js';
import { checkHouse, LAYER_RULES, layerOf } from './support/house-rules.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(repo, 'src');
const readIn = (root: string) => (f: string): string => readFileSync(join(root, f), 'utf8');
const house = checkHouse(src, readIn(src));

test('the import graph counts type-only edges: every form of import is read and classified', (t) => {
  const edges = importsOf('a/x.ts', [
    "import type { A } from './a.js';",
    "import { type B } from './b.js';",
    "import { type C, D } from './c.js';",
    "export type { E } from './e.js';",
    "export { F } from './f.js';",
    "import './g.js';",
    "let h: import('./h.js').H;",
    "const i = await import('./i.js');",
  ].join('\n'));
  assert.deepEqual(edges.map((e) => [e.to, e.typeOnly]), [
    ['a/a.ts', true], ['a/b.ts', true], ['a/c.ts', false], ['a/e.ts', true],
    ['a/f.ts', false], ['a/g.ts', false], ['a/h.ts', true], ['a/i.ts', false],
  ]);
  t.diagnostic(`src/: ${house.files} files, ${house.edges} imports, ${house.typeEdges} of them type-only`);
  assert.ok(house.typeEdges > 100, `only ${house.typeEdges} type-only imports found: the reader misses some`);
});

test('no import cycles, type-only imports included', () => {
  assert.deepEqual(house.cycles.map((c) => c.join(' -> ')), []);
});

test('a planted cycle is found: two files, and a type-only edge across layers of the real tree', () => {
  // Two files that need each other, one of the edges type-only.
  const files = ['m/a.ts', 'm/b.ts'];
  const edges = [...importsOf('m/a.ts', "import type { B } from './b.js';"), ...importsOf('m/b.ts', "import { A } from './a.js';")];
  assert.deepEqual(findCycles(files, edges), [['m/a.ts', 'm/b.ts', 'm/a.ts']]);
  // The real tree with lib/errors.ts importing a type from management/: a cycle
  // (management imports lib/errors.ts) and a layer violation (lib imports nothing).
  const copy = mkdtempSync(join(tmpdir(), 'tandem-house-'));
  try {
    cpSync(src, copy, { recursive: true });
    const victim = join(copy, 'lib/errors.ts');
    writeFileSync(victim, `import type { ControlServices } from '../management/index.js';\nexport type Planted = ControlServices;\n${readFileSync(victim, 'utf8')}`);
    const planted = checkHouse(copy, readIn(copy));
    assert.ok(planted.cycles.length > 0);
    const through = cycleThrough('lib/errors.ts', importGraph(copy).edges);
    assert.ok(through?.includes('management/index.ts'), `no cycle through lib/errors.ts and management/index.ts: ${through?.join(' -> ')}`);
    assert.ok(planted.layerViolations.some((v) => v.startsWith('lib/errors.ts:1 -> ../management/index.js (type-only)')), planted.layerViolations.join('\n'));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('every layer imports only the layers below it (docs/architecture.md "Layers")', () => {
  assert.deepEqual(house.layerViolations, []);
});

test('the layer rules themselves have no cycle, and every folder of src/ is a known layer', () => {
  const names = Object.keys(LAYER_RULES);
  const files = names.map((n) => `${n}/index.ts`);
  const edges = names.flatMap((n) => LAYER_RULES[n]!.filter((d) => d !== '*')
    .map((d) => ({ from: `${n}/index.ts`, spec: d, to: `${d}/index.ts`, typeOnly: false, line: 0 })));
  assert.deepEqual(findCycles(files, edges), []);
  assert.deepEqual(house.unknownLayers, []);
});

test('pure modules (codecs, state machines, planners) use no sockets, files, timers or clock', () => {
  assert.deepEqual(house.impure, []);
});

test('production code never imports test code (x.test.ts, test-support/)', () => {
  assert.deepEqual(house.productionImportsTests, []);
});

test('only daemon/ wires across into daemon/; cli/ and host/ share the HTTP client in lib/', () => {
  const { edges } = importGraph(src);
  const intoDaemon = edges.filter((e) => e.to?.startsWith('daemon/') && layerOf(e.from) !== 'daemon' && e.from !== 'cli/commands/up.ts');
  assert.deepEqual(intoDaemon.map((e) => `${e.from} -> ${e.spec}`), []);
  const hostToCli = edges.filter((e) => e.from.startsWith('host/') && e.to?.startsWith('cli/'));
  assert.deepEqual(hostToCli.map((e) => `${e.from} -> ${e.spec}`), []);
});

test('comments cite files in the repo, never paths outside it', () => {
  const outside = /(^|[^A-Za-z0-9_.])\/(work|tmp\/notes|home|root)\/|notes\/[a-z0-9-]+\.md|\bHA design\b|\bseed 00\d\b|\.\.\/shared\//;
  const bad: string[] = [];
  for (const dir of ['src', 'test', 'bench']) {
    for (const f of listSources(join(repo, dir))) {
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
        if (outside.test(line) && /\/\/|\/\*|^\s*\*/.test(line)) bad.push(`${f.slice(repo.length + 1)}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(bad, []);
});
