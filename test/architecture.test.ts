// Enforces the import rules of ARCHITECTURE.md on the source tree, and forbids import
// cycles. Prevents layering drift: a codec that grows a socket, a CLI that reaches into
// the core, a SCSI core that learns about iSCSI.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = walk(root);
const rel = (p: string) => relative(root, p).replace(/\\/g, '/');
const importRe = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

interface Edge { from: string; spec: string; to?: string; typeOnly: boolean }
const edges: Edge[] = [];
for (const f of files) {
  const src = readFileSync(f, 'utf8');
  for (const m of src.matchAll(importRe)) {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    const typeOnly = /^(import|export)\s+type\s/.test(m[0]);
    const e: Edge = { from: rel(f), spec, typeOnly };
    if (spec.startsWith('.')) e.to = rel(resolve(dirname(f), spec.replace(/\.js$/, '.ts')));
    edges.push(e);
  }
}
const isTest = (p: string) => /\.test\.ts$|\/test-support(\/|\.ts$)/.test(p);
const layer = (p: string) => p.split('/').slice(0, p.startsWith('iscsi/') ? 2 : 1).join('/');

test('iscsi/pdu is pure: imports only lib and node:buffer/crypto', () => {
  const bad = edges.filter((e) => e.from.startsWith('iscsi/pdu/') && !isTest(e.from) &&
    !(e.to?.startsWith('lib/') || e.to?.startsWith('iscsi/pdu/') || ['node:buffer', 'node:crypto'].includes(e.spec)));
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.spec}`), []);
});

test('scsi never imports iscsi; block never imports scsi', () => {
  const bad = edges.filter((e) => !isTest(e.from) && ((e.from.startsWith('scsi/') && e.to?.startsWith('iscsi/')) ||
    (e.from.startsWith('block/') && e.to?.startsWith('scsi/'))));
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.spec}`), []);
});

test('cli speaks HTTP only: imports nothing of the core (schemas and lib excepted; `up` starts the daemon)', () => {
  const allowed = (to: string) => to.startsWith('cli/') || to.startsWith('lib/') || to === 'api/schemas.ts' || to.startsWith('api/schemas/');
  const bad = edges.filter((e) => e.from.startsWith('cli/') && e.to && !allowed(e.to) &&
    !(e.from === 'cli/commands/up.ts' && e.to.startsWith('daemon/')));
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.spec}`), []);
});

test('lib is the bottom layer: imports only lib; host/ never imports cli/ (both CLIs share lib/api-client.ts)', () => {
  const bad = edges.filter((e) => e.to && ((e.from.startsWith('lib/') && !e.to.startsWith('lib/')) ||
    (e.from.startsWith('host/') && e.to.startsWith('cli/'))));
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.spec}`), []);
});

test('production code never imports test code (x.test.ts, test-support/, fakes)', () => {
  const testCode = (p: string) => isTest(p) || /(^|\/)fake-[^/]*\.ts$/.test(p) || p.startsWith('../test/');
  const bad = edges.filter((e) => e.to && !testCode(e.from) && testCode(e.to));
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.spec}`), []);
});

test('only daemon/ imports across into daemon/', () => {
  const bad = edges.filter((e) => e.to?.startsWith('daemon/') && !e.from.startsWith('daemon/') && e.from !== 'cli/commands/up.ts');
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.spec}`), []);
});

test('no import cycles (value imports)', () => {
  const graph = new Map<string, string[]>();
  for (const e of edges) if (e.to && !e.typeOnly) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  const state = new Map<string, 1 | 2>();
  const cycles: string[] = [];
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 1) cycles.push([...stack.slice(stack.indexOf(m)), m].join(' -> '));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  assert.deepEqual(cycles, []);
});

test('layers are known folders', () => {
  const known = new Set(['lib', 'iscsi/pdu', 'iscsi/target', 'iscsi/initiator', 'iscsi/auth', 'scsi', 'block', 'store', 'management', 'controller', 'datapath', 'supervisor', 'config', 'scsi/wire', 'multipath', 'host', 'migration', 'dr', 'jobs', 'api', 'cli', 'daemon', 'dashboard']);
  const unknown = [...new Set(files.map((f) => layer(rel(f))))].filter((l) => !known.has(l));
  assert.deepEqual(unknown, []);
});
