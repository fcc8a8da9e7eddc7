/**
 * EXTENDED COPY (LID1) parameter list parsing — SPC-4 §6.4 (header §6.4.1 Table 100,
 * identification descriptor CSCD §6.4.4.2 type E4h, block→block segment §6.4.5.5 type
 * 02h, block→block with offsets §6.4.5.7 type 0Ah). Errors detected here end the
 * command before any data moves:
 * - descriptor lists longer than the parameter list, or than MAXIMUM DESCRIPTOR LIST
 *   LENGTH → PARAMETER LIST LENGTH ERROR;
 * - "If the number of CSCD descriptors exceeds the allowed number, the copy manager
 *   shall terminate the command with ... TOO MANY TARGET DESCRIPTORS" (26h/06h), and
 *   likewise TOO MANY SEGMENT DESCRIPTORS (26h/08h);
 * - unsupported descriptor types → UNSUPPORTED TARGET/SEGMENT DESCRIPTOR TYPE CODE.
 * The LU ID TYPE and NUL fields are ignored (SPC-4: LU ID TYPE only matters for proxy
 * tokens; NUL is obsolete).
 */
import type { CommandContext, LogicalUnitView } from '../command-context.js';
import { checkCondition } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { invalidParam, readU64 } from './common.js';
import { SEGMENT_B2B_LENGTH, SEGMENT_B2B_OFFSET_LENGTH, TARGET_DESCRIPTOR_LENGTH, XCOPY_LIMITS } from './copy-limits.js';

export const ListIdUsage = { Hold: 0, Reserved: 1, Discard: 2, NoListId: 3 } as const;

export interface CopySegment {
  srcIndex: number;
  dstIndex: number;
  srcLba: number;
  dstLba: number;
  /** Byte offsets into the first source / destination block (type 0Ah only). */
  srcByteOffset: number;
  dstByteOffset: number;
  /** Length in blocks of the source (dc=false) or destination (dc=true) for type 02h. */
  blocks?: number;
  dc?: boolean;
  /** Length in bytes (type 0Ah). */
  bytes?: number;
}

export interface CopyRequest {
  listId: number;
  listIdUsage: number;
  /** Resolved CSCD descriptors; undefined where the designator names no LU we can reach. */
  targets: Array<LogicalUnitView | undefined>;
  segments: CopySegment[];
}

const NAA_DESIGNATOR = 3;

function resolveTarget(ctx: CommandContext, d: Buffer): LogicalUnitView | undefined {
  const designatorType = d[5]! & 0x0f;
  const len = Math.min(d[7]!, 20);
  if (designatorType !== NAA_DESIGNATOR) return undefined;
  const naa = d.subarray(8, 8 + len);
  if (ctx.lu.identity.naa.equals(naa)) return ctx.lu;
  return ctx.target.findByNaa(ctx.cmd.nexus, naa);
}

function targetDescriptorLength(type: number): number | undefined {
  if (type >= 0xe0 && type <= 0xe9) return TARGET_DESCRIPTOR_LENGTH;
  if (type === 0xea || type === 0xeb) return 64;
  return undefined;
}

export function parseExtendedCopy(ctx: CommandContext, data: Buffer): { request: CopyRequest } | { error: ScsiResponse } {
  const fail = (error: ScsiResponse) => ({ error });
  if (data.length < 16) return fail(checkCondition('ParameterListLengthError'));
  const listId = data[0]!;
  const listIdUsage = (data[1]! >> 3) & 3;
  const tdl = data.readUInt16BE(2);
  const sdl = data.readUInt32BE(8);
  const inl = data.readUInt32BE(12);
  if (16 + tdl + sdl + inl > data.length) return fail(checkCondition('ParameterListLengthError'));
  if (tdl + sdl > XCOPY_LIMITS.maxDescriptorListLength) return fail(checkCondition('ParameterListLengthError'));
  if (listIdUsage === ListIdUsage.Reserved) return fail(invalidParam(1, 4));
  if (inl > XCOPY_LIMITS.maxInlineData) return fail(invalidParam(12));

  // CSCD descriptors: count first (a list with too many is refused whatever it holds).
  const tStarts: number[] = [];
  for (let off = 16; off < 16 + tdl; ) {
    tStarts.push(off);
    off += targetDescriptorLength(data[off]!) ?? TARGET_DESCRIPTOR_LENGTH;
  }
  if (tStarts.length > XCOPY_LIMITS.maxTargetDescriptors) return fail(checkCondition('TooManyTargetDescriptors'));
  const targets: Array<LogicalUnitView | undefined> = [];
  for (const off of tStarts) {
    const len = targetDescriptorLength(data[off]!);
    if (off + (len ?? TARGET_DESCRIPTOR_LENGTH) > 16 + tdl) return fail(checkCondition('ParameterListLengthError'));
    if (data[off] !== 0xe4) return fail(checkCondition('UnsupportedTargetDescriptorType'));
    const d = data.subarray(off, off + TARGET_DESCRIPTOR_LENGTH);
    if ((d[1]! & 0x1f) !== 0) return fail(checkCondition('UnsupportedTargetDescriptorType')); // peripheral type: block only
    targets.push(resolveTarget(ctx, d));
  }

  const segStart = 16 + tdl;
  const segEnd = segStart + sdl;
  const sStarts: number[] = [];
  for (let off = segStart; off < segEnd; ) {
    if (off + 4 > segEnd) return fail(checkCondition('ParameterListLengthError'));
    sStarts.push(off);
    off += 4 + data.readUInt16BE(off + 2);
  }
  if (sStarts.length > XCOPY_LIMITS.maxSegmentDescriptors) return fail(checkCondition('TooManySegmentDescriptors'));
  const segments: CopySegment[] = [];
  for (const off of sStarts) {
    const type = data[off]!;
    const len = 4 + data.readUInt16BE(off + 2);
    if (off + len > segEnd) return fail(checkCondition('ParameterListLengthError'));
    if (type !== 0x02 && type !== 0x0a) return fail(checkCondition('UnsupportedSegmentDescriptorType'));
    const want = type === 0x02 ? SEGMENT_B2B_LENGTH : SEGMENT_B2B_OFFSET_LENGTH;
    if (len !== want) return fail(invalidParam(off + 2));
    const s: CopySegment = {
      srcIndex: data.readUInt16BE(off + 4),
      dstIndex: data.readUInt16BE(off + 6),
      srcLba: readU64(data, off + 12),
      dstLba: readU64(data, off + 20),
      srcByteOffset: 0,
      dstByteOffset: 0,
    };
    if (type === 0x02) {
      s.blocks = data.readUInt16BE(off + 10);
      s.dc = (data[off + 1]! & 0x02) !== 0;
    } else {
      s.bytes = data.readUInt32BE(off + 8);
      s.srcByteOffset = data.readUInt16BE(off + 28);
      s.dstByteOffset = data.readUInt16BE(off + 30);
      if (s.bytes > XCOPY_LIMITS.maxSegmentBytes) return fail(invalidParam(off + 8));
    }
    segments.push(s);
  }
  return { request: { listId, listIdUsage, targets, segments } };
}
