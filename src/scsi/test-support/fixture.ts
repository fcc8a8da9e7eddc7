/**
 * Test fixtures for the SCSI core's unit tests: a ScsiTarget over MemoryDevice logical
 * units, I_T nexus factories, and a CDB runner. Not used by production code.
 */
import { MemoryDevice } from '../../block/memory-device.js';
import type { AccessRouter, RouteDecision, TargetPortGroupInfo } from '../access-router.js';
import type { AluaStateName, LuIdentity } from '../command-context.js';
import { LogicalUnit, type LogicalUnitOptions } from '../logical-unit.js';
import { emptyLuState, type DurableUa, type KnownNexus, type LuCommit, type LuStateJson } from '../lu-state.js';
import { buildOpcodeTable, type Row } from '../opcode-table.js';
import { regMatches, type PrStateJson } from '../pr/pr-state.js';
import { encodeTransportId } from '../pr/transport-id.js';
import { ScsiTarget } from '../scsi-target.js';
import type { SenseReason } from '../sense.js';
import { setTargetPortGroupsRow } from '../spc/set-target-port-groups.js';
import { TaskAttr, type ItNexus, type ScsiCommand, type ScsiResponse } from '../types.js';
import { decodeSense } from '../wire/index.js';

export const TARGET = 'iqn.2026-01.com.tandem:array1';
export const PORTS = [
  { relativeTargetPortId: 1, targetPortGroupId: 1, name: `${TARGET},t,0x0001` },
  { relativeTargetPortId: 2, targetPortGroupId: 2, name: `${TARGET},t,0x0002` },
];

export function nexus(initiator: string, isid = '23d000000001', port = PORTS[0]!): ItNexus {
  const initiatorPort = `${initiator},i,0x${isid}`;
  return {
    id: `${initiatorPort}|${port.name}`,
    initiatorName: initiator,
    initiatorPort,
    targetPort: port.name,
    targetName: TARGET,
    relativeTargetPortId: port.relativeTargetPortId,
    targetPortGroupId: port.targetPortGroupId,
    transportId: encodeTransportId(initiatorPort),
  };
}

export function identity(n = 1): LuIdentity {
  const naa = Buffer.alloc(16);
  naa[0] = 0x60;
  naa.writeUInt32BE(n, 12);
  return { name: `vol${n}`, naa, serial: `TND000${n}`, vendor: 'TANDEM', product: 'Tandem Volume', revision: '0001' };
}

/** Test-only rows on vendor-specific opcodes: C0h reads (PR class read), C1h writes, C2h waits for release(). */
export function testRows(gate?: { wait: () => Promise<void> }): Row[] {
  const base = { cdbLength: 6, allowedUnderSpc2Reserve: false, skipsUnitAttention: false, aluaAllowed: ['active-non-optimized'] as const } as const;
  return [
    { ...base, opcode: 0xc0, name: 'TEST READ', usageMask: [0xc0, 0, 0, 0, 0, 0], direction: 'in', pr: 'read', handler: () => ({ status: 0, dataIn: Buffer.from('ok') }) },
    { ...base, opcode: 0xc1, name: 'TEST WRITE', usageMask: [0xc1, 0, 0, 0, 0, 0], direction: 'out', pr: 'write', handler: () => ({ status: 0 }) },
    {
      ...base,
      opcode: 0xc2,
      name: 'TEST SLOW',
      usageMask: [0xc2, 0, 0, 0, 0, 0],
      direction: 'none',
      pr: 'write',
      handler: async () => {
        await gate?.wait();
        return { status: 0 };
      },
    },
  ];
}

export interface Fixture {
  target: ScsiTarget;
  lu: LogicalUnit;
  /** The PR state of every save of the LU state, oldest first. */
  persisted: PrStateJson[];
  /** Every save of the LU state, oldest first. */
  saves: LuCommit[];
  run(n: ItNexus, cdb: number[] | Buffer, dataOut?: Buffer, lun?: number): Promise<ScsiResponse>;
}

export interface FixtureOptions {
  initialPr?: PrStateJson;
  /** The whole LU state to start with (initialPr replaces its PR part). */
  initialState?: LuStateJson;
  /** What a save answers (default 'saved'): 'not-owner' plays a controller that no longer owns the volume. */
  saveOutcome?: () => 'saved' | 'not-owner';
  /** Awaited at the start of every save (a save that takes time). */
  beforeSave?: () => Promise<void>;
  /** Durable unit attentions kept "in the store" (pendingFor / reported). */
  durableUas?: DurableUa[];
  gate?: { wait: () => Promise<void> };
  persistFails?: boolean;
  blockSize?: number;
  /** A dual-controller AccessRouter (the table then gets SET TARGET PORT GROUPS too). */
  router?: AccessRouter;
  lu?: Pick<LogicalUnitOptions, 'onUnitAttentionBroadcast' | 'onTasksAborted'>;
  onLuReset?: (lu: LogicalUnit) => Promise<void>;
  onNexusLost?: (n: ItNexus, lus: readonly LogicalUnit[]) => void;
}

export function fixture(opts: FixtureOptions = {}): Fixture {
  const persisted: PrStateJson[] = [];
  const saves: LuCommit[] = [];
  const durable = opts.durableUas;
  const initial = opts.initialState || opts.initialPr ? { ...(opts.initialState ?? emptyLuState()), ...(opts.initialPr ? { pr: opts.initialPr } : {}) } : undefined;
  const lu = new LogicalUnit({
    identity: identity(1),
    device: new MemoryDevice(opts.blockSize ?? 512, 64 * 1024 * 1024),
    state: {
      initial,
      save: async (c) => {
        await opts.beforeSave?.();
        if (opts.persistFails) throw new Error('disk full');
        const outcome = opts.saveOutcome?.() ?? 'saved';
        if (outcome !== 'saved') return outcome;
        persisted.push(c.state.pr);
        saves.push(c);
        durable?.push(...c.uas);
        return outcome;
      },
      ...(durable ? {
        pendingFor: (n: KnownNexus) => durable.filter((u) => regMatches(u, n)).map((u) => u.reason),
        reported: (n: KnownNexus, reason: SenseReason) => {
          const i = durable.findIndex((u) => u.reason === reason && regMatches(u, n));
          if (i >= 0) durable.splice(i, 1);
        },
      } : {}),
    },
    ...opts.lu,
  });
  const luns = new Map([[0, lu]]);
  const rows = [...testRows(opts.gate), ...(opts.router ? [setTargetPortGroupsRow] : [])];
  const target = new ScsiTarget({
    access: { lunsFor: () => luns }, ports: PORTS, table: buildOpcodeTable(rows), router: opts.router,
    ...(opts.onLuReset ? { onLuReset: opts.onLuReset } : {}), ...(opts.onNexusLost ? { onNexusLost: opts.onNexusLost } : {}),
  });
  let tag = 1;
  return {
    target,
    lu,
    persisted,
    saves,
    run: (n, cdb, dataOut, lun = 0) => {
      const c = Buffer.isBuffer(cdb) ? cdb : Buffer.from(cdb);
      const full = Buffer.alloc(Math.max(16, c.length));
      c.copy(full);
      return target.execute({ nexus: n, lun, cdb: full.subarray(0, c.length), tag: tag++, taskAttr: TaskAttr.Simple, expectedDataTransferLength: 65536, dataOut });
    },
  };
}

/** [key, asc, ascq] of a response's sense data, decoded by the client codec. */
export function sense(r: ScsiResponse): [number, number, number] | undefined {
  if (!r.sense) return undefined;
  const d = decodeSense(r.sense);
  return [d.key, d.asc, d.ascq];
}

export const CDB = {
  tur: () => [0x00, 0, 0, 0, 0, 0],
  inquiry: (evpd: boolean, page: number, alloc = 255) => [0x12, evpd ? 1 : 0, page, alloc >> 8, alloc & 0xff, 0],
  requestSense: (alloc = 252, desc = false) => [0x03, desc ? 1 : 0, 0, 0, alloc, 0],
  read: () => [0xc0, 0, 0, 0, 0, 0],
  write: () => [0xc1, 0, 0, 0, 0, 0],
  slow: () => [0xc2, 0, 0, 0, 0, 0],
  reserve6: () => [0x16, 0, 0, 0, 0, 0],
  release6: () => [0x17, 0, 0, 0, 0, 0],
  modeSense6: (pc: number, page: number, alloc = 255, dbd = false, sub = 0) => [0x1a, dbd ? 0x08 : 0, (pc << 6) | page, sub, alloc, 0],
  modeSense10: (pc: number, page: number, alloc = 1024, llbaa = false) => [0x5a, llbaa ? 0x10 : 0, (pc << 6) | page, 0, 0, 0, 0, alloc >> 8, alloc & 0xff, 0],
  modeSelect6: (len: number, sp = false) => [0x15, 0x10 | (sp ? 1 : 0), 0, 0, len, 0],
  reportLuns: (select = 0, alloc = 4096) => [0xa0, 0, select, 0, 0, 0, (alloc >>> 24) & 0xff, (alloc >> 16) & 0xff, (alloc >> 8) & 0xff, alloc & 0xff, 0, 0],
  rsoc: (options: number, opcode = 0, sa = 0, rctd = false, alloc = 65535) => [0xa3, 0x0c, (rctd ? 0x80 : 0) | options, opcode, sa >> 8, sa & 0xff, 0, 0, alloc >> 8, alloc & 0xff, 0, 0],
  stpg: (len: number) => [0xa4, 0x0a, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff, 0, 0],
  rtpg: (alloc = 1024, format = 0) => [0xa3, 0x0a | (format << 5), 0, 0, 0, 0, (alloc >>> 24) & 0xff, (alloc >> 16) & 0xff, (alloc >> 8) & 0xff, alloc & 0xff, 0, 0],
  prIn: (sa: number, alloc = 8192) => [0x5e, sa, 0, 0, 0, 0, 0, alloc >> 8, alloc & 0xff, 0],
  prOut: (sa: number, type = 0, len = 24, scope = 0) => [0x5f, sa, (scope << 4) | type, 0, 0, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff, 0],
};

export function prParams(resKey: bigint, saKey: bigint, flags: { aptpl?: boolean; allTgPt?: boolean; specIPt?: boolean } = {}, tids: Buffer[] = []): Buffer {
  const b = Buffer.alloc(24);
  b.writeBigUInt64BE(resKey, 0);
  b.writeBigUInt64BE(saKey, 8);
  b[20] = (flags.specIPt ? 0x08 : 0) | (flags.allTgPt ? 0x04 : 0) | (flags.aptpl ? 0x01 : 0);
  if (!flags.specIPt) return b;
  const t = Buffer.concat(tids);
  const l = Buffer.alloc(4);
  l.writeUInt32BE(t.length, 0);
  return Buffer.concat([b, l, t]);
}

/** A scripted AccessRouter for the dual-controller tests: per-group states, one route decision, recorded calls. */
export class FakeRouter implements AccessRouter {
  readonly states = new Map<number, AluaStateName>();
  decision: RouteDecision = { kind: 'local' };
  readonly routed: string[] = [];
  readonly stpgCalls: Array<{ nexusId: string; requests: Array<{ tpgId: number; state: AluaStateName }> }> = [];
  stpgResult: SenseReason | undefined = undefined;
  groups: TargetPortGroupInfo[] = [
    { id: 1, state: 'active-optimized', preferred: true, relativePortIds: [1, 2] },
    { id: 2, state: 'active-non-optimized', preferred: false, relativePortIds: [3, 4] },
  ];

  aluaState(_lu: LogicalUnit, n: ItNexus): AluaStateName {
    return this.states.get(n.targetPortGroupId) ?? 'active-optimized';
  }
  targetPortGroups(): TargetPortGroupInfo[] {
    return this.groups;
  }
  route(_lu: LogicalUnit, _cmd: ScsiCommand, entry: { name: string; opcode: number }): RouteDecision {
    this.routed.push(entry.name);
    return this.decision;
  }
  async setTargetPortGroups(_lu: LogicalUnit, n: ItNexus, requests: Array<{ tpgId: number; state: AluaStateName }>): Promise<SenseReason | undefined> {
    this.stpgCalls.push({ nexusId: n.id, requests });
    return this.stpgResult;
  }
}
