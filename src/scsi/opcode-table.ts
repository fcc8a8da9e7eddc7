/**
 * The one opcode table (SPC-4 §6.35 REPORT SUPPORTED OPERATION CODES reads it too):
 * rows from spc/, pr/ and sbc/ merged and indexed by (opcode, service action).
 * "If the device server does not support the operation code, CHECK CONDITION ... INVALID
 * COMMAND OPERATION CODE"; a supported opcode with an unsupported service action is an
 * INVALID FIELD IN CDB pointing at the SERVICE ACTION field (SPC-4 §4.2.5.1).
 */
import type { OpcodeEntry } from './command-context.js';
import type { CoreLu } from './core-context.js';
import { prOpcodes } from './pr/index.js';
import { reportSupportedOperationCodesRow } from './rsoc.js';
import { createSbcOpcodes } from './sbc/index.js';
import { spcOpcodes } from './spc/index.js';

export type Row = OpcodeEntry<CoreLu>;

export type Lookup = { kind: 'found'; entry: Row } | { kind: 'unknown-opcode' } | { kind: 'bad-service-action'; byte: number; bit: number };

interface Slot {
  plain?: Row;
  bySa: Map<number, Row>;
}

/** Where the SERVICE ACTION field is: bytes 8–9 of a variable-length CDB (7Fh), else byte 1 bits 4:0. */
export function serviceActionOf(cdb: Buffer): number {
  if (cdb[0] === 0x7f) return cdb.length >= 10 ? cdb.readUInt16BE(8) : 0;
  return (cdb[1] ?? 0) & 0x1f;
}

export class OpcodeTable {
  private readonly slots = new Map<number, Slot>();
  private readonly rows: Row[];

  constructor(rows: readonly Row[]) {
    for (const r of rows) {
      let s = this.slots.get(r.opcode);
      if (!s) {
        s = { bySa: new Map() };
        this.slots.set(r.opcode, s);
      }
      if (r.serviceAction === undefined) {
        if (s.plain || s.bySa.size > 0) throw new Error(`opcode table: duplicate or mixed row for ${r.opcode.toString(16)}h`);
        s.plain = r;
      } else {
        if (s.plain || s.bySa.has(r.serviceAction)) throw new Error(`opcode table: duplicate row ${r.opcode.toString(16)}h/${r.serviceAction.toString(16)}h`);
        s.bySa.set(r.serviceAction, r);
      }
      if (r.usageMask.length !== r.cdbLength || r.usageMask[0] !== r.opcode) throw new Error(`opcode table: bad usage mask for ${r.name}`);
    }
    this.rows = [...rows].sort((a, b) => a.opcode - b.opcode || (a.serviceAction ?? -1) - (b.serviceAction ?? -1));
  }

  lookup(cdb: Buffer): Lookup {
    const s = this.slots.get(cdb[0] ?? -1);
    if (!s) return { kind: 'unknown-opcode' };
    if (s.plain) return { kind: 'found', entry: s.plain };
    const r = s.bySa.get(serviceActionOf(cdb));
    if (r) return { kind: 'found', entry: r };
    return cdb[0] === 0x7f ? { kind: 'bad-service-action', byte: 8, bit: 7 } : { kind: 'bad-service-action', byte: 1, bit: 4 };
  }

  /** Whether the opcode is split by service action (SERVACTV in RSOC). */
  hasServiceActions(opcode: number): boolean | undefined {
    const s = this.slots.get(opcode);
    return s ? s.plain === undefined : undefined;
  }

  find(opcode: number, serviceAction?: number): Row | undefined {
    const s = this.slots.get(opcode);
    if (!s) return undefined;
    return serviceAction === undefined ? s.plain : s.bySa.get(serviceAction);
  }

  /** Every row, ordered by opcode then service action. */
  all(): readonly Row[] {
    return this.rows;
  }
}

/** The table of one SCSI target: SPC, PR, SBC rows (with their own EXTENDED COPY state) plus RSOC itself. */
export function buildOpcodeTable(extra: readonly Row[] = []): OpcodeTable {
  let table: OpcodeTable | undefined;
  const rsoc = reportSupportedOperationCodesRow(() => table!);
  table = new OpcodeTable([...spcOpcodes, ...prOpcodes, ...(createSbcOpcodes() as Row[]), ...extra, rsoc]);
  return table;
}
