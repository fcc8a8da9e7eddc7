// The import graph of a source tree, read with the TypeScript parser (not regular
// expressions), for test/architecture.test.ts. Every kind of edge counts, and each edge
// says whether it is type-only, because a type-only cycle is still a cycle between two
// concepts: `import type`, `import { type X }` (all specifiers type), `export type … from`,
// `import('./x.js').T` in a type position, `export … from`, side-effect imports and
// dynamic `import()` calls.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Importing file, relative to the root ("controller/lease.ts"). */
  from: string;
  /** The module specifier as written. */
  spec: string;
  /** Resolved file relative to the root, for relative specifiers inside the tree. */
  to?: string;
  typeOnly: boolean;
  /** 1-based line of the import, for messages. */
  line: number;
}

export function listSources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

/** Edges of one file's text; `file` is its path relative to the root. */
export function importsOf(file: string, text: string): ImportEdge[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specNode: ts.Expression | ts.TypeNode | undefined, typeOnly: boolean, at: ts.Node): void => {
    let spec: string | undefined;
    if (specNode && ts.isStringLiteral(specNode)) spec = specNode.text;
    else if (specNode && ts.isLiteralTypeNode(specNode) && ts.isStringLiteral(specNode.literal)) spec = specNode.literal.text;
    if (spec === undefined) return;
    const e: ImportEdge = { from: file, spec, typeOnly, line: sf.getLineAndCharacterOfPosition(at.getStart(sf)).line + 1 };
    if (spec.startsWith('.')) e.to = join(dirname(file), spec.replace(/\.js$/, '.ts')).replace(/\\/g, '/');
    edges.push(e);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) {
      const c = n.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly = c !== undefined && (c.isTypeOnly ||
        (c.name === undefined && named !== undefined && named.length > 0 && named.every((s) => s.isTypeOnly)));
      add(n.moduleSpecifier, typeOnly, n);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier) {
      const named = n.exportClause && ts.isNamedExports(n.exportClause) ? n.exportClause.elements : undefined;
      add(n.moduleSpecifier, n.isTypeOnly || (named !== undefined && named.length > 0 && named.every((s) => s.isTypeOnly)), n);
    } else if (ts.isImportTypeNode(n)) {
      add(n.argument, true, n);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(n.arguments[0], false, n);
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      add(n.moduleReference.expression, n.isTypeOnly, n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return edges;
}

/** Every edge of every .ts file under `root`. */
export function importGraph(root: string): { files: string[]; edges: ImportEdge[] } {
  const abs = resolve(root);
  const files = listSources(abs).map((p) => relative(abs, p).replace(/\\/g, '/'));
  const edges = files.flatMap((f) => importsOf(f, readFileSync(join(abs, f), 'utf8')));
  return { files, edges };
}

/**
 * The import cycles among `files` (strongly connected components of two or more files,
 * or a file importing itself), each as one closed path through the component, shortest
 * first. Type-only edges count.
 */
export function findCycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const graph = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (e.to !== undefined && graph.has(e.to)) graph.get(e.from)?.push(e.to);
  // Tarjan's strongly connected components, iteratively (deep trees must not overflow).
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  for (const start of graph.keys()) {
    if (idx.has(start)) continue;
    const work: Array<{ v: string; i: number }> = [{ v: start, i: 0 }];
    idx.set(start, index); low.set(start, index); index++; stack.push(start); onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const next = graph.get(top.v)![top.i++];
      if (next !== undefined) {
        if (!idx.has(next)) {
          idx.set(next, index); low.set(next, index); index++; stack.push(next); onStack.add(next);
          work.push({ v: next, i: 0 });
        } else if (onStack.has(next)) low.set(top.v, Math.min(low.get(top.v)!, idx.get(next)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(top.v)!));
      if (low.get(top.v) === idx.get(top.v)) {
        const comp: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== top.v);
        const selfLoop = comp.length === 1 && graph.get(top.v)!.includes(top.v);
        if (comp.length > 1 || selfLoop) components.push(comp.sort());
      }
    }
  }
  // One readable closed path per component: breadth-first from its first file back to it.
  return components.map((comp) => {
    const inComp = new Set(comp);
    const first = comp[0]!;
    const prev = new Map<string, string>();
    const queue = [first];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of graph.get(v)!) {
        if (!inComp.has(w)) continue;
        if (w === first) {
          const path = [first];
          for (let x: string | undefined = v; x !== undefined && x !== first; x = prev.get(x)) path.splice(1, 0, x);
          return [...path, first];
        }
        if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
      }
    }
    return [...comp, first];
  }).sort((a, b) => a.length - b.length || a[0]!.localeCompare(b[0]!));
}

/** A shortest closed import path from `file` back to itself, or undefined when `file` is on no cycle. */
export function cycleThrough(file: string, edges: readonly ImportEdge[]): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.to !== undefined) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const prev = new Map<string, string>();
  const queue = [file];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (w === file) {
        const path = [v];
        while (path[0] !== file) path.unshift(prev.get(path[0]!)!);
        return [...path, file];
      }
      if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
    }
  }
  return undefined;
}
