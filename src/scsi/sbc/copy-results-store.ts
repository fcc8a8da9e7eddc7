/**
 * Per-I_T-nexus status of EXTENDED COPY operations, for RECEIVE COPY RESULTS COPY STATUS
 * (SPC-4 §6.18.2). "The LIST IDENTIFIER ... shall be unique per I_T nexus"; with LIST ID
 * USAGE 00b the status is held until reported, with 10b/11b nothing is held.
 * One store per opcode table instance (createSbcOpcodes), keyed by logical unit object
 * so a volume's statuses go away with it.
 */
import type { LogicalUnitView } from '../command-context.js';
import { XCOPY_LIMITS } from './copy-limits.js';

export const CopyManagerStatus = { InProgress: 0x00, Good: 0x01, Failed: 0x02 } as const;

export interface CopyStatus {
  status: number;
  segmentsProcessed: number;
  /** Bytes copied so far. */
  transferredBytes: number;
  /** Sense of a failed copy (for FAILED SEGMENT DETAILS; not reported yet). */
  sense?: Buffer;
}

export class CopyResultsStore {
  private readonly byLu = new WeakMap<LogicalUnitView, Map<string, Map<number, CopyStatus>>>();

  private map(lu: LogicalUnitView, nexusId: string): Map<number, CopyStatus> {
    let perLu = this.byLu.get(lu);
    if (!perLu) this.byLu.set(lu, (perLu = new Map()));
    let perNexus = perLu.get(nexusId);
    if (!perNexus) perLu.set(nexusId, (perNexus = new Map()));
    return perNexus;
  }

  get(lu: LogicalUnitView, nexusId: string, listId: number): CopyStatus | undefined {
    return this.byLu.get(lu)?.get(nexusId)?.get(listId);
  }

  /** Start tracking a copy; false when that list id is still in progress. */
  begin(lu: LogicalUnitView, nexusId: string, listId: number): CopyStatus | undefined {
    const m = this.map(lu, nexusId);
    if (m.get(listId)?.status === CopyManagerStatus.InProgress) return undefined;
    m.delete(listId);
    const s: CopyStatus = { status: CopyManagerStatus.InProgress, segmentsProcessed: 0, transferredBytes: 0 };
    m.set(listId, s);
    while (m.size > XCOPY_LIMITS.retainedStatuses) {
      const oldest = [...m.entries()].find(([, v]) => v.status !== CopyManagerStatus.InProgress);
      if (!oldest) break;
      m.delete(oldest[0]);
    }
    return s;
  }

  /** Finish: keep the status (hold) or drop it. */
  end(lu: LogicalUnitView, nexusId: string, listId: number, hold: boolean): void {
    if (!hold) this.byLu.get(lu)?.get(nexusId)?.delete(listId);
  }

  /** Drop a completed status once reported. */
  release(lu: LogicalUnitView, nexusId: string, listId: number): void {
    const m = this.byLu.get(lu)?.get(nexusId);
    if (m?.get(listId)?.status !== CopyManagerStatus.InProgress) m?.delete(listId);
  }
}
