/**
 * One SCSI task of the initiator (RFC 7143 §3.2.2 "Tasks"): the request, its tags and
 * sequence numbers, the Data-In reassembly, and a once-only completion.
 */
import type { TimerHandle } from '../../lib/clock.js';
import { DataInAssembly } from './data-in.js';
import type { ScsiOutcome, ScsiRequest } from './types.js';

export const RESERVED_TAG = 0xffffffff;

/** SAM task attribute → ATTR field of the SCSI Command PDU (§11.3.1). */
export const TaskAttr = { untagged: 0, simple: 1, ordered: 2, head: 3 } as const;

export class InitiatorTask {
  cmdSN: number | undefined;
  timer: TimerHandle | undefined;
  done = false;
  readonly assembly: DataInAssembly;
  private readonly resolveFn: (o: ScsiOutcome) => void;
  readonly outcome: Promise<ScsiOutcome>;

  constructor(
    readonly itt: number,
    readonly lun: number,
    readonly req: ScsiRequest,
  ) {
    let r!: (o: ScsiOutcome) => void;
    this.outcome = new Promise<ScsiOutcome>((res) => (r = res));
    this.resolveFn = r;
    this.assembly = new DataInAssembly(req.dataInLength ?? 0);
  }

  get writeLength(): number {
    return this.req.dataOut?.length ?? 0;
  }

  /** Complete once; later calls are ignored. Returns whether this call completed it. */
  complete(o: ScsiOutcome, clearTimer: (h: TimerHandle) => void): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.timer !== undefined) clearTimer(this.timer);
    this.timer = undefined;
    this.resolveFn(o);
    return true;
  }
}

export function transportError(message: string): ScsiOutcome {
  return { kind: 'transport-error', error: new Error(message) };
}
