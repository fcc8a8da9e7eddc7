/**
 * The session's command numbering window, RFC 7143 §4.2.2.1 ("Command Numbering and
 * Acknowledging"). Non-immediate commands are delivered strictly in CmdSN order; arrivals
 * ahead of ExpCmdSN are held until the gap is filled. Immediate commands are delivered at
 * once and do not advance ExpCmdSN.
 *
 * "The target MUST silently ignore any non-immediate command outside of this range or
 * non-immediate duplicates within the range." (§4.2.2.1)
 */
import { serialAdd, serialGt, serialLt } from '../../lib/serial.js';

export type WindowVerdict<T> =
  | { kind: 'deliver'; items: T[] }
  | { kind: 'held' }
  | { kind: 'dropped'; why: 'outside-window' | 'duplicate' };

export class CommandWindow<T> {
  private exp: number;
  private readonly held = new Map<number, T>();

  constructor(initialCmdSN: number, readonly queueDepth = 128) {
    this.exp = initialCmdSN >>> 0;
  }

  get expCmdSN(): number {
    return this.exp;
  }

  /** MaxCmdSN: the window spans queueDepth commands beyond those already held. */
  get maxCmdSN(): number {
    return serialAdd(this.exp, this.queueDepth - 1);
  }

  get heldCount(): number {
    return this.held.size;
  }

  submit(cmdSN: number, immediate: boolean, item: T): WindowVerdict<T> {
    if (immediate) return { kind: 'deliver', items: [item] };
    const sn = cmdSN >>> 0;
    if (serialLt(sn, this.exp) || serialGt(sn, this.maxCmdSN)) return { kind: 'dropped', why: 'outside-window' };
    if (sn !== this.exp) {
      if (this.held.has(sn)) return { kind: 'dropped', why: 'duplicate' };
      this.held.set(sn, item);
      return { kind: 'held' };
    }
    const items = [item];
    this.exp = serialAdd(this.exp, 1);
    for (;;) {
      const next = this.held.get(this.exp);
      if (next === undefined) break;
      this.held.delete(this.exp);
      items.push(next);
      this.exp = serialAdd(this.exp, 1);
    }
    return { kind: 'deliver', items };
  }

  /** True when a command with this CmdSN has been received (delivered or held). */
  received(cmdSN: number): boolean {
    const sn = cmdSN >>> 0;
    return serialLt(sn, this.exp) || this.held.has(sn);
  }

  /** Held (not yet deliverable) items, e.g. for task management to mark them aborted. */
  heldItems(): T[] {
    return [...this.held.values()];
  }
}
