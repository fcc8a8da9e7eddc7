/**
 * REPORT SUPPORTED OPERATION CODES (SPC-4 §6.35, MAINTENANCE IN / 0Ch), generated from
 * the opcode table only. REPORTING OPTIONS 000b: all commands (§6.35.2, command
 * descriptors with SERVACTV and, with RCTD, a command timeouts descriptor); 001b: one
 * opcode — "If the REQUESTED OPERATION CODE field specifies an operation code for which
 * the device server implements service actions, ... CHECK CONDITION ... INVALID FIELD
 * IN CDB"; 010b: opcode and service action — an opcode without service actions is an
 * INVALID FIELD IN CDB; 011b: opcode, with the service action only where the opcode has
 * them. The one-command format (§6.35.3) carries SUPPORT 001b (not supported) or 011b
 * (supported as in the standard) and the CDB USAGE DATA.
 */
import { ALUA_ANY_STATE } from './alua/access-state.js';
import type { CoreLu } from './core-context.js';
import type { OpcodeEntry } from './command-context.js';
import { cdbByte, cdbU16, cdbU32, dataIn, invalidCdb } from './spc/util.js';
import type { ScsiResponse } from './types.js';

const RECOMMENDED_TIMEOUT_SECONDS = 30;

type Row = OpcodeEntry<CoreLu>;

/** What RSOC needs of the opcode table (opcode-table.ts implements it). */
export interface RsocTable {
  all(): readonly Row[];
  hasServiceActions(opcode: number): boolean | undefined;
  find(opcode: number, serviceAction?: number): Row | undefined;
}

function timeouts(): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(0x0a, 0);
  b.writeUInt32BE(RECOMMENDED_TIMEOUT_SECONDS, 8);
  return b;
}

function allCommands(table: RsocTable, rctd: boolean): Buffer {
  const descs = table.all().map((r) => {
    const d = Buffer.alloc(8);
    d[0] = r.opcode;
    if (r.serviceAction !== undefined) d.writeUInt16BE(r.serviceAction, 2);
    d[5] = (rctd ? 0x02 : 0) | (r.serviceAction !== undefined ? 0x01 : 0);
    d.writeUInt16BE(r.cdbLength, 6);
    return rctd ? Buffer.concat([d, timeouts()]) : d;
  });
  const body = Buffer.concat(descs);
  const h = Buffer.alloc(4);
  h.writeUInt32BE(body.length, 0);
  return Buffer.concat([h, body]);
}

function oneCommand(r: Row | undefined, rctd: boolean): Buffer {
  if (!r) {
    const b = Buffer.alloc(4);
    b[1] = 0x01; // SUPPORT 001b: not supported
    return b;
  }
  const h = Buffer.alloc(4);
  h[1] = (rctd ? 0x80 : 0) | 0x03;
  h.writeUInt16BE(r.cdbLength, 2);
  const parts: Buffer[] = [h, Buffer.from(r.usageMask)];
  if (rctd) parts.push(timeouts());
  return Buffer.concat(parts);
}

export function reportSupportedOperationCodes(table: RsocTable, cdb: Buffer): ScsiResponse {
  const rctd = (cdbByte(cdb, 2) & 0x80) !== 0;
  const options = cdbByte(cdb, 2) & 0x07;
  const opcode = cdbByte(cdb, 3);
  const sa = cdbU16(cdb, 4);
  const alloc = cdbU32(cdb, 6);
  const hasSa = table.hasServiceActions(opcode);
  switch (options) {
    case 0:
      return dataIn(allCommands(table, rctd), alloc);
    case 1:
      if (hasSa === true) return invalidCdb(3);
      return dataIn(oneCommand(table.find(opcode), rctd), alloc);
    case 2:
      if (hasSa === false) return invalidCdb(4);
      return dataIn(oneCommand(table.find(opcode, sa), rctd), alloc);
    case 3:
      return dataIn(oneCommand(hasSa ? table.find(opcode, sa) : table.find(opcode), rctd), alloc);
    default:
      return invalidCdb(2, 2);
  }
}

export function reportSupportedOperationCodesRow(table: () => RsocTable): OpcodeEntry<CoreLu> {
  return {
    opcode: 0xa3,
    serviceAction: 0x0c,
    name: 'REPORT SUPPORTED OPERATION CODES',
    cdbLength: 12,
    usageMask: [0xa3, 0x1f, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0],
    direction: 'in',
    pr: 'allowed',
    allowedUnderSpc2Reserve: true,
    skipsUnitAttention: false,
    aluaAllowed: ALUA_ANY_STATE,
    handler: (ctx) => reportSupportedOperationCodes(table(), ctx.cmd.cdb),
  };
}
