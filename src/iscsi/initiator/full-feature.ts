/**
 * Full Feature Phase on one logged-in connection, initiator side, RFC 7143:
 *  - §4.2.2.1 command numbering: non-immediate commands only within MaxCmdSN; the rest
 *    wait in the session's queue and are pulled when the window opens.
 *  - §11.3/§11.7/§11.8: immediate data, unsolicited Data-Out, R2T-driven Data-Out
 *    (data-out-plan.ts), Data-In reassembly and status (data-in.ts).
 *  - §4.2.2.2 StatSN: ExpStatSN = last StatSN + 1, carried in every PDU we send.
 *  - §11.19: "Upon receipt of a NOP-In with the Target Transfer Tag set to a valid value
 *    (not 0xffffffff), the initiator MUST respond with a NOP-Out" (ITT 0xffffffff, I=1).
 *  - §11.5/§11.6 task management, §11.14/§11.15 logout, §11.17 Reject of a command.
 * Failure semantics: when the connection closes, every task sent on it completes with
 * { kind: 'transport-error' } — it is never re-sent here (multipath decides).
 */
import { serialGt } from '../../lib/serial.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { encodeLun } from '../../lib/lun.js';
import type { NegotiatedParams } from '../pdu/negotiation.js';
import type { AsyncMessage, LogoutResponse, R2T, TargetPdu, TaskMgmtResponse } from '../pdu/types.js';
import { CmdWindow } from './cmd-window.js';
import type { InitiatorConnection } from './connection.js';
import { planR2T, planUnsolicited, type DataOutSlice } from './data-out-plan.js';
import { RESERVED_TAG, TaskAttr, transportError, type InitiatorTask } from './task.js';

export interface LinkHost {
  readonly clock: Clock;
  readonly log: Logger;
  /** Tasks waiting for the window (FIFO, owned by the session). */
  nextQueued(): InitiatorTask | undefined;
  allocItt(): number;
  onAsync(pdu: AsyncMessage): void;
}

const EMPTY = Buffer.alloc(0);

export class FullFeatureLink {
  readonly window: CmdWindow;
  expStatSN: number;
  readonly tasks = new Map<number, InitiatorTask>();
  private readonly control = new Map<number, (pdu: TaskMgmtResponse | LogoutResponse | undefined) => void>();
  private pingItt: number | undefined;
  private pingSentAt = 0;
  /** Stop pulling new commands (the target asked us to log out). */
  draining = false;
  private pumpScheduled = false;

  constructor(
    readonly conn: InitiatorConnection,
    readonly params: NegotiatedParams,
    login: { expCmdSN: number; maxCmdSN: number; expStatSN: number },
    private readonly host: LinkHost,
  ) {
    this.window = new CmdWindow(login.expCmdSN, login.maxCmdSN);
    this.expStatSN = login.expStatSN;
    conn.on('pdu', (p) => this.onPdu(p));
    conn.once('close', (reason) => this.onClose(reason));
  }

  get alive(): boolean {
    return !this.conn.closed;
  }

  /** Send queued tasks while the window is open. */
  pump(): void {
    while (!this.draining && this.alive && this.window.open) {
      const t = this.host.nextQueued();
      if (!t) return;
      this.sendCommand(t);
    }
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private sendCommand(t: InitiatorTask): void {
    const req = t.req;
    const data = req.dataOut;
    const total = data?.length ?? 0;
    const readLen = req.dataInLength ?? 0;
    t.cmdSN = this.window.take();
    this.tasks.set(t.itt, t);
    const lun = encodeLun(t.lun);
    const plan = total > 0 ? planUnsolicited(total, this.writeParams()) : { immediate: 0, unsolicited: [], commandFinal: true };
    this.conn.send({
      kind: 'ScsiCommand',
      immediate: false,
      final: plan.commandFinal,
      read: readLen > 0,
      write: total > 0,
      attr: TaskAttr[req.taskAttr ?? 'simple'],
      lun,
      itt: t.itt,
      expectedDataTransferLength: total > 0 ? total : readLen,
      cmdSN: t.cmdSN,
      expStatSN: this.expStatSN,
      cdb: req.cdb,
      data: plan.immediate > 0 ? data!.subarray(0, plan.immediate) : EMPTY,
    });
    if (plan.unsolicited.length > 0) this.sendDataOut(t, lun, RESERVED_TAG, plan.unsolicited);
  }

  private writeParams() {
    const p = this.params;
    return { immediateData: p.immediateData, initialR2T: p.initialR2T, firstBurstLength: p.firstBurstLength, peerMaxRecvDataSegmentLength: p.peerMaxRecvDataSegmentLength };
  }

  private sendDataOut(t: InitiatorTask, lun: Buffer, ttt: number, slices: DataOutSlice[]): void {
    const data = t.req.dataOut!;
    for (const s of slices) {
      this.conn.send({
        kind: 'ScsiDataOut', immediate: false, final: s.final, lun, itt: t.itt, ttt,
        expStatSN: this.expStatSN, dataSN: s.dataSN, bufferOffset: s.offset,
        data: data.subarray(s.offset, s.offset + s.length),
      });
    }
  }

  private onR2T(pdu: R2T): void {
    const t = this.tasks.get(pdu.itt);
    if (!t || t.done) return; // timed out or aborted locally; the abort cleans up at the target
    const total = t.writeLength;
    if (pdu.bufferOffset + pdu.desiredDataTransferLength > total) {
      this.host.log.warn({ itt: pdu.itt, offset: pdu.bufferOffset, len: pdu.desiredDataTransferLength, total }, 'iscsi R2T beyond the write buffer; clipped');
    }
    const slices = planR2T(pdu.bufferOffset, pdu.desiredDataTransferLength, total, this.params.peerMaxRecvDataSegmentLength);
    this.sendDataOut(t, encodeLun(t.lun), pdu.ttt, slices);
  }

  private advanceStatSN(statSN: number): void {
    const next = (statSN + 1) >>> 0;
    if (serialGt(next, this.expStatSN)) this.expStatSN = next;
  }

  private onPdu(p: TargetPdu): void {
    if ('maxCmdSN' in p && p.kind !== 'LoginResponse') {
      if (this.window.update(p.expCmdSN, p.maxCmdSN)) this.schedulePump();
    }
    switch (p.kind) {
      case 'ScsiDataIn': {
        const t = this.tasks.get(p.itt);
        if (!t) return;
        if (!t.assembly.add(p)) this.host.log.warn({ itt: p.itt, offset: p.bufferOffset, len: p.data.length }, 'iscsi Data-In beyond the expected length');
        if (p.statusPresent) {
          this.advanceStatSN(p.statSN);
          this.finish(t, t.assembly.completeFromDataIn(p));
        }
        return;
      }
      case 'ScsiResponse': {
        this.advanceStatSN(p.statSN);
        const t = this.tasks.get(p.itt);
        if (t) this.finish(t, t.assembly.completeFromResponse(p));
        return;
      }
      case 'R2T':
        return this.onR2T(p);
      case 'NopIn':
        if (p.itt !== RESERVED_TAG) this.advanceStatSN(p.statSN);
        if (p.itt !== RESERVED_TAG && p.itt === this.pingItt) this.pingItt = undefined;
        if (p.ttt !== RESERVED_TAG) {
          this.conn.send({ kind: 'NopOut', immediate: true, lun: p.lun, itt: RESERVED_TAG, ttt: p.ttt, cmdSN: this.window.current, expStatSN: this.expStatSN, data: EMPTY });
        }
        return;
      case 'TaskMgmtResponse':
      case 'LogoutResponse': {
        this.advanceStatSN(p.statSN);
        const cb = this.control.get(p.itt);
        if (cb) {
          this.control.delete(p.itt);
          cb(p);
        }
        return;
      }
      case 'AsyncMessage':
        this.advanceStatSN(p.statSN);
        this.host.onAsync(p);
        return;
      case 'Reject': {
        this.advanceStatSN(p.statSN);
        const itt = p.data.length >= 20 ? p.data.readUInt32BE(16) : RESERVED_TAG;
        const op = p.data.length >= 1 ? p.data[0]! & 0x3f : -1;
        this.host.log.warn({ reason: p.reason, itt, opcode: op }, 'iscsi target rejected a PDU');
        const t = this.tasks.get(itt);
        if (t && (op === 0x01 || op === 0x05)) this.finish(t, transportError(`the target rejected the command (Reject reason 0x${p.reason.toString(16)})`));
        const cb = this.control.get(itt);
        if (cb) {
          this.control.delete(itt);
          cb(undefined);
        }
        return;
      }
      case 'TextResponse':
        this.advanceStatSN(p.statSN);
        return;
      case 'LoginResponse':
        this.conn.close('Login Response in Full Feature Phase');
        return;
    }
  }

  finish(t: InitiatorTask, outcome: Parameters<InitiatorTask['complete']>[0]): void {
    this.tasks.delete(t.itt);
    t.complete(outcome, (h) => this.host.clock.clearTimeout(h));
  }

  /** Send a TMF (immediate, §11.5); resolves with the response code, or -1 if none came. */
  taskManagement(fn: number, lun: number, ref: InitiatorTask | undefined, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      if (!this.alive) return resolve(-1);
      const itt = this.host.allocItt();
      const timer = this.host.clock.setTimeout(() => {
        this.control.delete(itt);
        resolve(-1);
      }, timeoutMs);
      this.control.set(itt, (r) => {
        this.host.clock.clearTimeout(timer);
        resolve(r && r.kind === 'TaskMgmtResponse' ? r.response : -1);
      });
      this.conn.send({
        kind: 'TaskMgmtRequest', immediate: true, function: fn, lun: encodeLun(lun), itt,
        referencedTaskTag: ref ? ref.itt : RESERVED_TAG,
        cmdSN: this.window.current, expStatSN: this.expStatSN,
        refCmdSN: ref?.cmdSN ?? this.window.current, expDataSN: 0,
      });
    });
  }

  /** Logout Request (reason 0: close the session), §11.14; resolves when answered or timed out. */
  logout(timeoutMs: number): Promise<LogoutResponse | undefined> {
    return new Promise((resolve) => {
      if (!this.alive) return resolve(undefined);
      const itt = this.host.allocItt();
      const timer = this.host.clock.setTimeout(() => {
        this.control.delete(itt);
        resolve(undefined);
      }, timeoutMs);
      this.control.set(itt, (r) => {
        this.host.clock.clearTimeout(timer);
        resolve(r && r.kind === 'LogoutResponse' ? r : undefined);
      });
      this.conn.send({ kind: 'LogoutRequest', immediate: true, reasonCode: 0, itt, cid: 0, cmdSN: this.window.current, expStatSN: this.expStatSN });
    });
  }

  /**
   * Liveness check, called periodically: a NOP-Out ping when nothing arrived for
   * `interval` ms; returns false when a ping went unanswered (and nothing else arrived)
   * for `timeout` ms.
   */
  checkAlive(now: number, interval: number, timeout: number): boolean {
    const lastRx = this.conn.lastRx;
    if (this.pingItt !== undefined) {
      if (lastRx > this.pingSentAt) this.pingItt = undefined;
      else if (now - this.pingSentAt >= timeout) return false;
      else return true;
    }
    if (now - lastRx >= interval) {
      this.pingItt = this.host.allocItt();
      this.pingSentAt = now;
      this.conn.send({ kind: 'NopOut', immediate: true, lun: Buffer.alloc(8), itt: this.pingItt, ttt: RESERVED_TAG, cmdSN: this.window.current, expStatSN: this.expStatSN, data: EMPTY });
    }
    return true;
  }

  private onClose(reason: string): void {
    for (const t of this.tasks.values()) t.complete(transportError(`iSCSI connection lost: ${reason}`), (h) => this.host.clock.clearTimeout(h));
    this.tasks.clear();
    for (const cb of this.control.values()) cb(undefined);
    this.control.clear();
  }
}
