/**
 * The SBC-4 opcode rows (SBC-4 §5; EXTENDED COPY / RECEIVE COPY RESULTS from SPC-4 §6.4,
 * §6.18). The SCSI core merges them into its opcode table, which both dispatches and
 * answers REPORT SUPPORTED OPERATION CODES from `usageMask` (SPC-4 §6.35.3: a bit set
 * where the device server evaluates the CDB field).
 * START STOP UNIT lives in spc/unit-control.ts.
 * Not implemented (absent, so they end with INVALID COMMAND OPERATION CODE): SANITIZE,
 * WRITE ATOMIC, ORWRITE (32), the 32-byte variable-length CDBs, FORMAT UNIT, REASSIGN
 * BLOCKS, READ LONG / WRITE LONG, WRITE STREAM, GET STREAM STATUS, POPULATE TOKEN /
 * WRITE USING TOKEN (LID4).
 *
 * `pr` follows SPC-4 Table 41 / SBC-4 Table 13; `aluaAllowed` follows SPC-4 §5.16.2.4
 * (active/non-optimized runs everything; standby additionally allows READ CAPACITY, as
 * initiators probe capacity on every path).
 */
import type { AluaStateName, Handler, OpcodeEntry, PrConflictClass, DataDirection } from '../command-context.js';
import { compareAndWrite } from './compare-and-write.js';
import { CopyResultsStore } from './copy-results-store.js';
import { makeExtendedCopyHandler } from './extended-copy.js';
import { getLbaStatus } from './get-lba-status.js';
import { orWrite16 } from './orwrite.js';
import { makePreFetchHandler } from './pre-fetch.js';
import { makeReadHandler } from './read.js';
import { readCapacity10, readCapacity16 } from './read-capacity.js';
import { readDefectData10, readDefectData12 } from './read-defect-data.js';
import { makeReceiveCopyResultsHandler } from './receive-copy-results.js';
import { makeSynchronizeCacheHandler } from './synchronize-cache.js';
import { unmap } from './unmap.js';
import { makeVerifyHandler } from './verify.js';
import { makeWriteHandler } from './write.js';
import { makeWriteAndVerifyHandler } from './write-and-verify.js';
import { makeWriteSameHandler } from './write-same.js';

const IO: readonly AluaStateName[] = ['active-non-optimized'];
const PROBE: readonly AluaStateName[] = ['active-non-optimized', 'standby'];

const F = 0xff;
/** LBA 32 bits at bytes 2..5, 16-bit length at 7..8 (10-byte CDB). */
const m10 = (op: number, b1: number): number[] => [op, b1, F, F, F, F, 0x00, F, F, 0x00];
const m12 = (op: number, b1: number): number[] => [op, b1, F, F, F, F, F, F, F, F, 0x00, 0x00];
const m16 = (op: number, b1: number): number[] => [op, b1, F, F, F, F, F, F, F, F, F, F, F, F, 0x00, 0x00];

function row(
  opcode: number,
  name: string,
  usageMask: number[],
  direction: DataDirection,
  pr: PrConflictClass,
  handler: Handler,
  extra: { serviceAction?: number; aluaAllowed?: readonly AluaStateName[]; allowedUnderSpc2Reserve?: boolean } = {},
): OpcodeEntry {
  return {
    opcode,
    serviceAction: extra.serviceAction,
    name,
    cdbLength: usageMask.length,
    usageMask,
    direction,
    pr,
    allowedUnderSpc2Reserve: extra.allowedUnderSpc2Reserve ?? false,
    skipsUnitAttention: false,
    aluaAllowed: extra.aluaAllowed ?? IO,
    handler,
  };
}

/** SBC opcode rows with their own EXTENDED COPY state; one call per SCSI target is the intended use. */
export function createSbcOpcodes(): OpcodeEntry[] {
  const copies = new CopyResultsStore();
  const DPO_FUA = 0x18;
  return [
    row(0x08, 'READ(6)', [0x08, 0x1f, F, F, F, 0x00], 'in', 'read', makeReadHandler(6)),
    row(0x28, 'READ(10)', m10(0x28, DPO_FUA), 'in', 'read', makeReadHandler(10)),
    row(0xa8, 'READ(12)', m12(0xa8, DPO_FUA), 'in', 'read', makeReadHandler(12)),
    row(0x88, 'READ(16)', m16(0x88, DPO_FUA), 'in', 'read', makeReadHandler(16)),
    row(0x0a, 'WRITE(6)', [0x0a, 0x1f, F, F, F, 0x00], 'out', 'write', makeWriteHandler(6)),
    row(0x2a, 'WRITE(10)', m10(0x2a, DPO_FUA), 'out', 'write', makeWriteHandler(10)),
    row(0xaa, 'WRITE(12)', m12(0xaa, DPO_FUA), 'out', 'write', makeWriteHandler(12)),
    row(0x8a, 'WRITE(16)', m16(0x8a, DPO_FUA), 'out', 'write', makeWriteHandler(16)),
    row(0x2e, 'WRITE AND VERIFY(10)', m10(0x2e, 0x12), 'out', 'write', makeWriteAndVerifyHandler(10)),
    row(0xae, 'WRITE AND VERIFY(12)', m12(0xae, 0x12), 'out', 'write', makeWriteAndVerifyHandler(12)),
    row(0x8e, 'WRITE AND VERIFY(16)', m16(0x8e, 0x12), 'out', 'write', makeWriteAndVerifyHandler(16)),
    row(0x2f, 'VERIFY(10)', m10(0x2f, 0x16), 'out', 'read', makeVerifyHandler(10)),
    row(0xaf, 'VERIFY(12)', m12(0xaf, 0x16), 'out', 'read', makeVerifyHandler(12)),
    row(0x8f, 'VERIFY(16)', m16(0x8f, 0x16), 'out', 'read', makeVerifyHandler(16)),
    row(0x35, 'SYNCHRONIZE CACHE(10)', m10(0x35, 0x02), 'none', 'write', makeSynchronizeCacheHandler(10)),
    row(0x91, 'SYNCHRONIZE CACHE(16)', m16(0x91, 0x02), 'none', 'write', makeSynchronizeCacheHandler(16)),
    row(0x34, 'PRE-FETCH(10)', m10(0x34, 0x02), 'none', 'read', makePreFetchHandler(10)),
    row(0x90, 'PRE-FETCH(16)', m16(0x90, 0x02), 'none', 'read', makePreFetchHandler(16)),
    row(0x42, 'UNMAP', [0x42, 0x00, 0, 0, 0, 0, 0x00, F, F, 0x00], 'out', 'write', unmap),
    row(0x41, 'WRITE SAME(10)', m10(0x41, 0x08), 'out', 'write', makeWriteSameHandler(10)),
    row(0x93, 'WRITE SAME(16)', m16(0x93, 0x09), 'out', 'write', makeWriteSameHandler(16)),
    row(0x89, 'COMPARE AND WRITE', [0x89, DPO_FUA, F, F, F, F, F, F, F, F, 0, 0, 0, F, 0x00, 0x00], 'out', 'write', compareAndWrite),
    row(0x8b, 'ORWRITE(16)', m16(0x8b, DPO_FUA), 'out', 'write', orWrite16),
    row(0x25, 'READ CAPACITY(10)', [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0x00], 'in', 'allowed', readCapacity10, {
      aluaAllowed: PROBE,
      allowedUnderSpc2Reserve: true,
    }),
    row(0x9e, 'READ CAPACITY(16)', [0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, F, F, F, F, 0x00, 0x00], 'in', 'allowed', readCapacity16, {
      serviceAction: 0x10,
      aluaAllowed: PROBE,
      allowedUnderSpc2Reserve: true,
    }),
    row(0x9e, 'GET LBA STATUS', [0x9e, 0x12, F, F, F, F, F, F, F, F, F, F, F, F, 0x00, 0x00], 'in', 'allowed', getLbaStatus, { serviceAction: 0x12 }),
    row(0x37, 'READ DEFECT DATA(10)', [0x37, 0x00, 0x1f, 0, 0, 0, 0, F, F, 0x00], 'in', 'read', readDefectData10),
    row(0xb7, 'READ DEFECT DATA(12)', [0xb7, 0x1f, 0, 0, 0, 0, F, F, F, F, 0, 0x00], 'in', 'read', readDefectData12),
    row(0x83, 'EXTENDED COPY(LID1)', [0x83, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, F, F, F, F, 0, 0x00], 'out', 'write', makeExtendedCopyHandler(copies), {
      serviceAction: 0x00,
    }),
    row(0x84, 'RECEIVE COPY RESULTS(COPY STATUS)', [0x84, 0x00, F, 0, 0, 0, 0, 0, 0, 0, F, F, F, F, 0, 0x00], 'in', 'read', makeReceiveCopyResultsHandler(copies), {
      serviceAction: 0x00,
    }),
    row(0x84, 'RECEIVE COPY RESULTS(OPERATING PARAMETERS)', [0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, F, F, F, F, 0, 0x00], 'in', 'read', makeReceiveCopyResultsHandler(copies), {
      serviceAction: 0x03,
    }),
  ];
}

/** The rows the SCSI core merges (contract of the placeholder). Prefer createSbcOpcodes() per target. */
export const sbcOpcodes: OpcodeEntry[] = createSbcOpcodes();

export { PHYSICAL_BLOCK_EXPONENT, readCapacity16Data } from './read-capacity.js';
export { XCOPY_LIMITS } from './copy-limits.js';
export { thirdPartyCopyVpdPayload } from './third-party-copy-vpd.js';
export { WRITE_SAME_NO_ZERO_LENGTH } from './write-same.js';
export { operatingParameters } from './receive-copy-results.js';
