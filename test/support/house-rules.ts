// The house rules of docs/architecture.md as data, and the check that holds a source
// tree to them (test/architecture.test.ts runs it on src/, and on a copy of src/ with a
// cycle planted, to show it fails). Every import counts, type-only ones included: a
// type edge ties two concepts as surely as a value edge does.
import { findCycles, importGraph, type ImportEdge } from './import-graph.js';

/**
 * Who may import whom, layer by layer (a layer is a folder under src/; the two-level
 * ones are listed). Each row names the layers it may import besides itself. Folders
 * that do not exist yet (jobs, migration, replication, dr, web) have their rows so that
 * they arrive in the right place.
 */
export const LAYER_RULES: Readonly<Record<string, readonly string[]>> = {
  'lib': [],
  'scsi/wire': ['lib'],
  'iscsi/pdu': ['lib'],
  'iscsi/auth': ['lib'],
  'block': ['lib'],
  'store': ['lib'],
  'cluster': ['lib'],
  'scsi': ['lib', 'scsi/wire', 'block'],
  'iscsi/target': ['lib', 'iscsi/pdu', 'iscsi/auth', 'scsi'],
  'iscsi/initiator': ['lib', 'iscsi/pdu', 'iscsi/auth', 'scsi/wire'],
  'multipath': ['lib', 'scsi/wire', 'block', 'iscsi/initiator'],
  'controller': ['lib', 'store', 'cluster', 'scsi'],
  'management': ['lib', 'store', 'cluster'],
  'config': ['lib', 'cluster', 'management'],
  'datapath': ['lib', 'block', 'store', 'scsi', 'iscsi/target', 'management', 'config'],
  'controller/runtime': ['lib', 'block', 'store', 'cluster', 'scsi', 'iscsi/target', 'controller', 'management', 'datapath'],
  'jobs': ['lib', 'store'],
  'migration': ['lib', 'store', 'block', 'scsi', 'scsi/wire', 'iscsi/initiator', 'multipath', 'jobs', 'management', 'controller'],
  'replication': ['lib', 'store', 'block', 'scsi/wire', 'iscsi/initiator', 'jobs', 'management'],
  'dr': ['lib', 'store', 'jobs', 'replication', 'management'],
  'supervisor/ipc': ['lib', 'store', 'cluster', 'iscsi/target', 'controller', 'controller/runtime', 'management', 'config', 'datapath'],
  'supervisor': ['lib', 'store', 'cluster', 'controller', 'controller/runtime', 'management', 'config', 'datapath', 'supervisor/ipc'],
  'api': ['lib', 'store', 'cluster', 'management'],
  'host': ['lib', 'block', 'scsi/wire', 'iscsi/initiator', 'multipath', 'api'],
  'cli': ['lib', 'api'],
  'web': ['lib', 'api'],
  'daemon': ['*'],
};

/** File-level narrowings of a row: the layer may import only these files of the other layer. */
export const FILE_RULES: ReadonlyArray<{ from: RegExp; to: string; only: RegExp; why: string }> = [
  { from: /^cli\//, to: 'api', only: /^api\/schemas\.ts$/, why: 'the CLI speaks HTTP: of the API it knows only the shared schemas' },
  { from: /^multipath\//, to: 'iscsi/initiator', only: /^iscsi\/initiator\/types\.ts$/, why: 'multipath works over PathTransport: of the initiator it knows only the contract types' },
  { from: /^multipath\//, to: 'block', only: /^block\/block-device\.ts$/, why: 'a multipath device is a BlockDevice; it knows no concrete device' },
  { from: /^host\//, to: 'api', only: /^api\/(auth|error-handler|api-files)\.ts$/, why: "the agent's control API reuses the array API's auth, error and endpoint-file pieces" },
];

/** Single files allowed past their layer's row, each with its reason. */
export const EXCEPTIONS: ReadonlyArray<{ from: string; to: RegExp; why: string }> = [
  { from: 'cli/commands/up.ts', to: /^daemon\/up\.ts$/, why: '`tandem up` starts the daemon in this process' },
];

/** Modules that must stay pure: no sockets, files, processes or timers, no clock of their own. */
export const PURE: ReadonlyArray<{ path: RegExp; why: string }> = [
  { path: /^iscsi\/pdu\//, why: 'the iSCSI PDU codec' },
  { path: /^cluster\//, why: 'the cluster vocabulary' },
  { path: /^scsi\/wire\//, why: 'the SCSI client codec' },
  { path: /^controller\/(failover-mode|ownership|failover-machine|ip-failover|peer-codec|alert-ids)\.ts$/, why: 'pure HA decisions and codecs' },
  { path: /^multipath\/(path-state|path-groups|classify|selector|explicit-failover)\.ts$/, why: 'pure multipath decisions' },
  { path: /^supervisor\/(address-plan|ipc\/protocol|ipc\/check)\.ts$/, why: 'the address planner and the IPC protocol table' },
];
const IMPURE = /node:(net|fs|fs\/promises|child_process|timers|dgram|http|events)['"]|\bEventEmitter\b|\bsetTimeout\(|\bsetInterval\(|\bsetImmediate\(|\bDate\.now\(/;

export const isTestCode = (p: string): boolean => /\.test\.ts$|(^|\/)test-support(\/|\.ts$)/.test(p);

const TWO_LEVEL = new Set(['iscsi/pdu', 'iscsi/target', 'iscsi/initiator', 'iscsi/auth', 'scsi/wire', 'controller/runtime', 'supervisor/ipc']);
export function layerOf(p: string): string {
  const two = p.split('/').slice(0, 2).join('/');
  return TWO_LEVEL.has(two) ? two : p.split('/')[0]!;
}

export interface HouseReport {
  files: number;
  edges: number;
  typeEdges: number;
  cycles: string[][];
  layerViolations: string[];
  unknownLayers: string[];
  impure: string[];
  productionImportsTests: string[];
}

const show = (e: ImportEdge): string => `${e.from}:${e.line} -> ${e.spec}${e.typeOnly ? ' (type-only)' : ''}`;

/** Holds the tree under `root` (a src/ folder) to the rules. */
export function checkHouse(root: string, read: (file: string) => string): HouseReport {
  const { files, edges } = importGraph(root);
  const inTree = edges.filter((e) => e.to !== undefined);
  const layerViolations: string[] = [];
  for (const e of inTree) {
    if (isTestCode(e.from)) continue;
    const from = layerOf(e.from);
    const to = layerOf(e.to!);
    if (from === to) continue;
    if (EXCEPTIONS.some((x) => x.from === e.from && x.to.test(e.to!))) continue;
    const row = LAYER_RULES[from];
    if (!row) continue; // reported as an unknown layer
    if (!row.includes('*') && !row.includes(to)) {
      layerViolations.push(`${show(e)}: ${from} may import only ${row.join(', ') || 'itself'}`);
      continue;
    }
    const narrow = FILE_RULES.find((r) => r.from.test(e.from) && r.to === to);
    if (narrow && !narrow.only.test(e.to!)) layerViolations.push(`${show(e)}: ${narrow.why}`);
  }
  const unknownLayers = [...new Set(files.map(layerOf))].filter((l) => !(l in LAYER_RULES)).sort();
  const impure = files.filter((f) => !isTestCode(f) && PURE.some((p) => p.path.test(f)) && IMPURE.test(read(f)))
    .map((f) => `${f}: ${PURE.find((p) => p.path.test(f))!.why} must not use sockets, files, processes, timers or Date.now()`);
  const productionImportsTests = inTree.filter((e) => !isTestCode(e.from) && isTestCode(e.to!)).map(show);
  return {
    files: files.length, edges: edges.length, typeEdges: edges.filter((e) => e.typeOnly).length,
    cycles: findCycles(files, edges), layerViolations, unknownLayers, impure, productionImportsTests,
  };
}
