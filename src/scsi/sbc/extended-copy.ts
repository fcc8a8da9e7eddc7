/**
 * EXTENDED COPY (LID1) — SPC-4 §6.4 (opcode 83h, service action 00h). The parameter
 * list is parsed by extended-copy-parse.ts; this file runs the segments in order.
 * Segment errors end the command with COPY ABORTED (SPC-4 §6.4.3: "the copy manager
 * shall terminate the command with CHECK CONDITION status, with the sense key set to
 * COPY ABORTED"): a CSCD index past the list or a designator naming no reachable LU →
 * COPY TARGET DEVICE NOT REACHABLE (0Dh/02h); a range past a capacity or a length that
 * is not a whole number of blocks → COPY ABORTED (00h/00h). Segments already done stay
 * done. Data moves in chunks of XCOPY_LIMITS.chunkBytes, each destination write under
 * the destination LU's range lock; overlapping ranges on one LU copy back to front.
 */
import type { CommandContext, LogicalUnitView } from '../command-context.js';
import { checkCondition, GOOD } from '../sense.js';
import type { ScsiResponse } from '../types.js';
import { cdbTooShort, invalidCdb, writeProtected } from './common.js';
import { XCOPY_LIMITS } from './copy-limits.js';
import { CopyManagerStatus, type CopyResultsStore, type CopyStatus } from './copy-results-store.js';
import { ListIdUsage, parseExtendedCopy, type CopySegment } from './extended-copy-parse.js';

interface Plan {
  src: LogicalUnitView;
  dst: LogicalUnitView;
  srcByte: number;
  dstByte: number;
  bytes: number;
}

function plan(seg: CopySegment, targets: Array<LogicalUnitView | undefined>): Plan | ScsiResponse {
  const src = targets[seg.srcIndex];
  const dst = targets[seg.dstIndex];
  if (!src || !dst) return checkCondition('CopyTargetDeviceNotReachable');
  const bytes = seg.bytes ?? (seg.blocks ?? 0) * (seg.dc ? dst.blockSize : src.blockSize);
  if (seg.bytes === undefined && (bytes % src.blockSize !== 0 || bytes % dst.blockSize !== 0)) return checkCondition('CopyAborted');
  const srcByte = seg.srcLba * src.blockSize + seg.srcByteOffset;
  const dstByte = seg.dstLba * dst.blockSize + seg.dstByteOffset;
  if (srcByte + bytes > src.device.sizeBytes || srcByte + bytes > src.blockCount * src.blockSize) return checkCondition('CopyAborted');
  if (dstByte + bytes > dst.blockCount * dst.blockSize) return checkCondition('CopyAborted');
  const wp = writeProtected(dst);
  if (wp) return wp;
  return { src, dst, srcByte, dstByte, bytes };
}

async function copyChunk(p: Plan, at: number, n: number): Promise<void> {
  const { src, dst } = p;
  const sAbs = p.srcByte + at;
  const sA = Math.floor(sAbs / src.blockSize) * src.blockSize;
  const sE = Math.ceil((sAbs + n) / src.blockSize) * src.blockSize;
  const sBuf = await src.device.read(sA, sE - sA);
  const piece = sBuf.subarray(sAbs - sA, sAbs - sA + n);
  const dAbs = p.dstByte + at;
  const dA = Math.floor(dAbs / dst.blockSize) * dst.blockSize;
  const dE = Math.ceil((dAbs + n) / dst.blockSize) * dst.blockSize;
  await dst.lock.withRange(dA / dst.blockSize, (dE - dA) / dst.blockSize, async () => {
    if (dA === dAbs && dE === dAbs + n) {
      await dst.device.write(dA, piece);
      return;
    }
    const dBuf = await dst.device.read(dA, dE - dA);
    piece.copy(dBuf, dAbs - dA);
    await dst.device.write(dA, dBuf);
  });
}

async function runSegment(p: Plan, status: CopyStatus | undefined): Promise<void> {
  const chunk = XCOPY_LIMITS.chunkBytes;
  const starts: number[] = [];
  for (let at = 0; at < p.bytes; at += chunk) starts.push(at);
  const backwards = p.src === p.dst && p.dstByte > p.srcByte && p.dstByte < p.srcByte + p.bytes;
  if (backwards) starts.reverse();
  for (const at of starts) {
    const n = Math.min(chunk, p.bytes - at);
    await copyChunk(p, at, n);
    if (status) status.transferredBytes += n;
  }
}

export function makeExtendedCopyHandler(store: CopyResultsStore) {
  return async function extendedCopy(ctx: CommandContext): Promise<ScsiResponse> {
    const bad = cdbTooShort(ctx, 16);
    if (bad) return bad;
    const cdb = ctx.cmd.cdb;
    if ((cdb[1]! & 0x1f) !== 0) return invalidCdb(1, 4);
    const pll = cdb.readUInt32BE(10);
    if (pll === 0) return { ...GOOD, transferLength: 0 };
    const data = (ctx.cmd.dataOut ?? Buffer.alloc(0)).subarray(0, pll);
    if (data.length < pll) return { ...checkCondition('ParameterListLengthError'), transferLength: pll };
    const parsed = parseExtendedCopy(ctx, data);
    if ('error' in parsed) return { ...parsed.error, transferLength: pll };
    const req = parsed.request;
    const lu = ctx.lu;
    const nexusId = ctx.cmd.nexus.id;
    const tracked = req.listIdUsage !== ListIdUsage.NoListId;
    let status: CopyStatus | undefined;
    if (tracked) {
      status = store.begin(lu, nexusId, req.listId);
      if (!status) return { ...checkCondition('OperationInProgress'), transferLength: pll };
    }
    let result: ScsiResponse = { ...GOOD, transferLength: pll };
    for (const seg of req.segments) {
      const p = plan(seg, req.targets);
      if (!('src' in p)) {
        result = { ...p, transferLength: pll };
        break;
      }
      try {
        await runSegment(p, status);
      } catch {
        result = { ...checkCondition('CopyAborted'), transferLength: pll };
        break;
      }
      if (status) status.segmentsProcessed++;
    }
    if (status) {
      status.status = result.status === GOOD.status ? CopyManagerStatus.Good : CopyManagerStatus.Failed;
      if (result.sense) status.sense = result.sense;
      store.end(lu, nexusId, req.listId, req.listIdUsage === ListIdUsage.Hold);
    }
    return result;
  };
}
