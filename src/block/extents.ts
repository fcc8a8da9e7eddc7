/**
 * Turns the mapped byte runs a device found in [offset, end) (sorted, possibly
 * overlapping, possibly reaching outside the range) into the complete, merged list of
 * mapped and unmapped extents that covers the range exactly — the form GET LBA STATUS
 * (SBC-4 §5.7) reports.
 */
import type { AllocationExtent } from './block-device.js';

export function extentsFromMappedRuns(offset: number, end: number, runs: ReadonlyArray<readonly [number, number]>): AllocationExtent[] {
  const out: AllocationExtent[] = [];
  const push = (start: number, stop: number, mapped: boolean): void => {
    if (stop <= start) return;
    const last = out[out.length - 1];
    if (last && last.mapped === mapped && last.offset + last.length === start) last.length += stop - start;
    else out.push({ offset: start, length: stop - start, mapped });
  };
  let pos = offset;
  for (const [s0, e0] of runs) {
    const s = Math.max(s0, pos);
    const e = Math.min(e0, end);
    push(pos, Math.min(s, end), false);
    push(s, e, true);
    pos = Math.max(pos, e);
  }
  push(pos, end, false);
  return out;
}
