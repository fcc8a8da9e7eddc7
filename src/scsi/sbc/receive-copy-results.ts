/**
 * RECEIVE COPY RESULTS (LID1) — SPC-4 §6.18 (opcode 84h). It belongs to SPC but lives
 * here beside EXTENDED COPY, whose state it reports.
 * - COPY STATUS (00h, §6.18.2): status of the copy with that LIST IDENTIFIER on this
 *   I_T nexus; an unknown list id → INVALID FIELD IN CDB. A completed status is
 *   released once reported. TRANSFER COUNT is in bytes (units 00h), or KiB (01h) once
 *   the byte count no longer fits in 32 bits.
 * - OPERATING PARAMETERS (03h, §6.18.4): our copy manager's limits (copy-limits.ts).
 * - RECEIVE DATA (01h) and FAILED SEGMENT DETAILS (04h) are not supported → INVALID
 *   FIELD IN CDB.
 */
import type { CommandContext } from '../command-context.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort, invalidCdb } from './common.js';
import { XCOPY_LIMITS } from './copy-limits.js';
import { CopyManagerStatus, type CopyResultsStore } from './copy-results-store.js';
import { dataInResponse } from './data-in.js';

export const CopyResultsSa = { CopyStatus: 0x00, ReceiveData: 0x01, OperatingParameters: 0x03, FailedSegmentDetails: 0x04 } as const;

export function operatingParameters(): Buffer {
  const types = XCOPY_LIMITS.implementedDescriptorTypes;
  const b = Buffer.alloc(44 + types.length);
  b.writeUInt32BE(b.length - 4, 0); // AVAILABLE DATA
  b[4] = 0x01; // SNLID: LIST ID USAGE 11b supported
  b.writeUInt16BE(XCOPY_LIMITS.maxTargetDescriptors, 8);
  b.writeUInt16BE(XCOPY_LIMITS.maxSegmentDescriptors, 10);
  b.writeUInt32BE(XCOPY_LIMITS.maxDescriptorListLength, 12);
  b.writeUInt32BE(XCOPY_LIMITS.maxSegmentBytes, 16);
  b.writeUInt32BE(XCOPY_LIMITS.maxInlineData, 20);
  b.writeUInt32BE(0, 24); // HELD DATA LIMIT
  b.writeUInt32BE(0, 28); // MAXIMUM STREAM DEVICE TRANSFER SIZE
  b.writeUInt16BE(XCOPY_LIMITS.maxConcurrentCopies, 34); // TOTAL CONCURRENT COPIES
  b[36] = XCOPY_LIMITS.maxConcurrentCopies; // MAXIMUM CONCURRENT COPIES
  b[37] = 9; // DATA SEGMENT GRANULARITY (log2): 512 bytes
  b[38] = 0; // INLINE DATA GRANULARITY
  b[39] = 0; // HELD DATA GRANULARITY
  b[43] = types.length;
  types.forEach((t, i) => (b[44 + i] = t));
  return b;
}

export function makeReceiveCopyResultsHandler(store: CopyResultsStore) {
  return function receiveCopyResults(ctx: CommandContext): ScsiResponse {
    const bad = cdbTooShort(ctx, 16);
    if (bad) return bad;
    const cdb = ctx.cmd.cdb;
    const sa = cdb[1]! & 0x1f;
    const listId = cdb[2]!;
    const alloc = cdb.readUInt32BE(10);
    if (sa === CopyResultsSa.OperatingParameters) return dataInResponse(operatingParameters(), alloc);
    if (sa !== CopyResultsSa.CopyStatus) return invalidCdb(1, 4);
    const nexusId = ctx.cmd.nexus.id;
    const s = store.get(ctx.lu, nexusId, listId);
    if (!s) return invalidCdb(2);
    const b = Buffer.alloc(12);
    b.writeUInt32BE(8, 0); // AVAILABLE DATA
    b[4] = s.status & 0x7f; // HDD=0 | COPY MANAGER STATUS
    b.writeUInt16BE(Math.min(s.segmentsProcessed, 0xffff), 5);
    const inKiB = s.transferredBytes > 0xffffffff;
    b[7] = inKiB ? 0x01 : 0x00; // TRANSFER COUNT UNITS: bytes or KiB
    b.writeUInt32BE(Math.min(inKiB ? Math.floor(s.transferredBytes / 1024) : s.transferredBytes, 0xffffffff), 8);
    if (s.status !== CopyManagerStatus.InProgress) store.release(ctx.lu, nexusId, listId);
    return dataInResponse(b, alloc);
  };
}
