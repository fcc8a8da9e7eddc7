/**
 * The initiator's view of the CmdSN window, RFC 7143 §4.2.2.1 ("Command Numbering and
 * Acknowledging"): a non-immediate command may be sent only while CmdSN <= MaxCmdSN;
 * "MaxCmdSN - ExpCmdSN + 1 ... is the window"; "If MaxCmdSN is less than ExpCmdSN - 1
 * (in serial arithmetic), the initiator MUST ignore" the pair; immediate PDUs carry the
 * current CmdSN without advancing it. Pure; the session queues commands while closed.
 */
import { serialAdd, serialGt, serialLt, serialLte } from '../../lib/serial.js';

export class CmdWindow {
  /** CmdSN the next non-immediate command will carry. */
  private next: number;
  private expCmdSN: number;
  private maxCmdSN: number;

  constructor(expCmdSN: number, maxCmdSN: number) {
    this.next = expCmdSN >>> 0;
    this.expCmdSN = expCmdSN >>> 0;
    this.maxCmdSN = maxCmdSN >>> 0;
  }

  /** Apply ExpCmdSN/MaxCmdSN from a target PDU; returns true when the window opened further. */
  update(expCmdSN: number, maxCmdSN: number): boolean {
    if (serialLt(maxCmdSN, serialAdd(expCmdSN, -1))) return false;
    if (serialGt(expCmdSN, this.expCmdSN)) this.expCmdSN = expCmdSN >>> 0;
    if (serialGt(maxCmdSN, this.maxCmdSN)) {
      this.maxCmdSN = maxCmdSN >>> 0;
      return true;
    }
    return false;
  }

  /** Is there room for one more non-immediate command? */
  get open(): boolean {
    return serialLte(this.next, this.maxCmdSN);
  }

  /** Take the CmdSN for a non-immediate command (caller checked `open`). */
  take(): number {
    const sn = this.next;
    this.next = serialAdd(this.next, 1);
    return sn;
  }

  /** The CmdSN an immediate PDU carries (not advanced). */
  get current(): number {
    return this.next;
  }

  /** Commands sent but not yet acknowledged by ExpCmdSN. */
  get unacknowledged(): number {
    return (this.next - this.expCmdSN) >>> 0;
  }

  get snapshot(): { next: number; expCmdSN: number; maxCmdSN: number } {
    return { next: this.next, expCmdSN: this.expCmdSN, maxCmdSN: this.maxCmdSN };
  }
}
