/**
 * SCSI Command, Data-Out and the response path, RFC 7143 §11.3 (SCSI Command), §11.4
 * (SCSI Response), §11.7 (Data-In/Data-Out), §11.8 (R2T).
 *
 * Write data is gathered completely (immediate, unsolicited and R2T-solicited) before the
 * SCSI core sees the command. Read data goes out as Data-In PDUs of at most the initiator's
 * MaxRecvDataSegmentLength, in sequences of at most MaxBurstLength; "the target MAY ...
 * include the SCSI status in the last Data-In PDU (S bit) ... only if the command did not
 * end with an exception" (§11.7.4) — so GOOD without sense rides in the final Data-In and
 * everything else gets a SCSI Response, whose data segment is "SenseLength (2 bytes) and
 * Sense Data" (§11.4.7).
 */
import { decodeLun } from '../../lib/lun.js';
import { RejectReason, type RawPdu, type ScsiCommandPdu, type ScsiDataIn, type ScsiDataOut } from '../pdu/types.js';
import { buildSense } from '../../scsi/sense.js';
import { Status, type ScsiResponse } from '../../scsi/types.js';
import type { ConnectionPort } from './connection-port.js';
import { computeResidual, NO_RESIDUAL, planDataIn, readOutcome, type Residual } from './data-in-plan.js';
import { taskAttrFrom, type ScsiTask } from './scsi-task.js';
import { POOLED_MIN } from './write-buffer-pool.js';
import { WriteTransfer } from './write-transfer.js';

const NO_TTT = 0xffffffff;
const EMPTY = Buffer.alloc(0);
const RECENT_ABORTS_MAX = 256;
/** Largest write the transport buffers for one command (guards memory against absurd EDTLs). */
export const MAX_WRITE_EDTL = 64 * 1024 * 1024;

export function handleScsiCommand(conn: ConnectionPort, pdu: ScsiCommandPdu, raw: RawPdu): void {
  const p = conn.params!;
  if (conn.tasks.has(pdu.itt)) {
    conn.reject(RejectReason.TaskInProgress, raw.bhs, `ITT 0x${pdu.itt.toString(16)} already in use`);
    return;
  }
  const edtl = pdu.expectedDataTransferLength;
  if (pdu.write && edtl > MAX_WRITE_EDTL) {
    // Refuse at the SCSI level without buffering; unsolicited data that follows is dropped.
    rememberAborted(conn, pdu.itt);
    const t: ScsiTask = { itt: pdu.itt, lun: decodeLun(pdu.lun), lunRaw: Buffer.from(pdu.lun), cdb: pdu.cdb, read: pdu.read, write: true, edtl, attr: taskAttrFrom(pdu.attr), cmdSN: pdu.cmdSN, transfer: undefined, state: 'executing', aborted: false };
    conn.batch(() => respond(conn, t, { status: Status.CheckCondition, sense: buildSense('InvalidFieldInCdb') }));
    return;
  }
  let transfer: WriteTransfer | undefined;
  if (pdu.write && (edtl > 0 || pdu.data.length > 0)) {
    const pool = conn.writeBuffers;
    transfer = new WriteTransfer(edtl, pdu.data, pdu.final, p, pool && edtl >= POOLED_MIN ? (n, imm) => pool.adopt(imm, n) ?? pool.take(n) : undefined);
    if (transfer.error) {
      conn.reject(RejectReason.ProtocolError, raw.bhs, transfer.error);
      return;
    }
  } else if (pdu.data.length > 0 && !pdu.write) {
    conn.reject(RejectReason.ProtocolError, raw.bhs, 'immediate data on a command without the W bit');
    return;
  }
  const task: ScsiTask = {
    itt: pdu.itt,
    lun: decodeLun(pdu.lun),
    lunRaw: Buffer.from(pdu.lun),
    cdb: pdu.cdb,
    read: pdu.read,
    write: pdu.write,
    edtl,
    attr: taskAttrFrom(pdu.attr),
    cmdSN: pdu.cmdSN,
    transfer,
    state: transfer && !transfer.complete ? 'gathering' : 'executing',
    aborted: false,
  };
  conn.tasks.set(task.itt, task);
  if (task.state === 'executing') {
    execute(conn, task);
    return;
  }
  sendR2Ts(conn, task);
}

function sendR2Ts(conn: ConnectionPort, task: ScsiTask): void {
  const reqs = task.transfer!.nextR2Ts(() => conn.nextTtt());
  for (const r of reqs) {
    conn.send({
      kind: 'R2T',
      immediate: false,
      lun: task.lunRaw,
      itt: task.itt,
      ttt: r.ttt,
      statSN: conn.statSN,
      expCmdSN: conn.expCmdSN,
      maxCmdSN: conn.maxCmdSN,
      r2tSN: r.r2tSN,
      bufferOffset: r.bufferOffset,
      desiredDataTransferLength: r.desiredDataTransferLength,
    });
  }
}

export function handleDataOut(conn: ConnectionPort, pdu: ScsiDataOut, raw: RawPdu): void {
  conn.expStatSN = pdu.expStatSN;
  const task = conn.tasks.get(pdu.itt);
  if (!task || !task.transfer || task.state !== 'gathering') {
    if (conn.recentlyAborted.has(pdu.itt)) return; // data for an aborted task: discard
    conn.reject(RejectReason.InvalidPduField, raw.bhs, `Data-Out for unknown task 0x${pdu.itt.toString(16)}`);
    return;
  }
  const v = task.transfer.onDataOut(pdu);
  if (!v.ok) {
    // ERL 0: a sequence error cannot be recovered within the connection (§7.1.2, §7.12).
    conn.reject(RejectReason.ProtocolError, raw.bhs, v.message);
    return;
  }
  if (v.complete) {
    task.state = 'executing';
    execute(conn, task);
  } else if (task.transfer.outstandingR2Ts < conn.params!.maxOutstandingR2T) {
    sendR2Ts(conn, task);
  }
}

/** Abort a task this connection is still gathering data for (task management). */
export function abortGathering(conn: ConnectionPort, task: ScsiTask): void {
  task.aborted = true;
  conn.tasks.delete(task.itt);
  rememberAborted(conn, task.itt);
}

export function rememberAborted(conn: ConnectionPort, itt: number): void {
  if (conn.recentlyAborted.size >= RECENT_ABORTS_MAX) {
    const first = conn.recentlyAborted.values().next().value;
    if (first !== undefined) conn.recentlyAborted.delete(first);
  }
  conn.recentlyAborted.add(itt);
}

function execute(conn: ConnectionPort, task: ScsiTask): void {
  const s = conn.session!;
  s.commandsExecuted++;
  let p: Promise<ScsiResponse>;
  try {
    p = conn.ctx.scsi.execute({
      nexus: s.nexus!,
      lun: task.lun,
      cdb: task.cdb,
      tag: task.itt,
      taskAttr: task.attr,
      expectedDataTransferLength: task.edtl,
      dataOut: task.transfer ? task.transfer.data : undefined,
    });
  } catch (err) {
    p = Promise.reject(err);
  }
  p.then(
    (resp) => complete(conn, task, resp),
    (err: unknown) => {
      conn.log.error({ err, itt: task.itt }, 'scsi execute failed; answering CHECK CONDITION');
      complete(conn, task, { status: Status.CheckCondition, sense: buildSense('InternalTargetFailure') });
    },
  );
}

/** WRITE (6/10/12/16), SBC-4 §5.40-§5.43: handlers that keep no reference to Data-Out. */
function isPlainWrite(opcode: number | undefined): boolean {
  return opcode === 0x0a || opcode === 0x2a || opcode === 0xaa || opcode === 0x8a;
}

function complete(conn: ConnectionPort, task: ScsiTask, resp: ScsiResponse): void {
  if (conn.tasks.get(task.itt) === task) conn.tasks.delete(task.itt);
  // The command has finished (its device write resolved): its gathering buffer is free.
  if (task.transfer?.allocated && isPlainWrite(task.cdb[0])) conn.writeBuffers?.give(task.transfer.data);
  if (task.aborted || resp.aborted || conn.phase !== 'full-feature') return;
  try {
    conn.batchDeferred(() => respond(conn, task, resp));
  } catch (err) {
    conn.log.error({ err, itt: task.itt }, 'iscsi response failed; dropping the connection');
    conn.close('internal error while responding');
  }
}

function respond(conn: ConnectionPort, task: ScsiTask, resp: ScsiResponse): void {
  const p = conn.params!;
  const good = resp.status === Status.Good || resp.status === Status.ConditionMet;
  const statusInData = resp.status === Status.Good && !resp.sense;
  let residual: Residual = NO_RESIDUAL;
  let dataSN = 0;
  if (task.read) {
    const out = readOutcome(task.edtl, resp.dataIn, resp.transferLength);
    if (good) residual = out.residual;
    const data = out.data;
    const release = resp.release;
    if (data && data.length > 0) {
      const slices = planDataIn(data.length, conn.peerMaxRecv, p.maxBurstLength);
      for (let i = 0; i < slices.length; i++) {
        const sl = slices[i]!;
        const last = i === slices.length - 1;
        const withStatus = last && statusInData;
        const pdu: ScsiDataIn = {
          kind: 'ScsiDataIn',
          immediate: false,
          final: sl.final || withStatus,
          acknowledge: false,
          overflow: withStatus && residual.overflow,
          underflow: withStatus && residual.underflow,
          statusPresent: withStatus,
          status: withStatus ? resp.status : 0,
          lun: task.lunRaw,
          itt: task.itt,
          ttt: NO_TTT,
          statSN: withStatus ? conn.statSN++ : 0,
          expCmdSN: conn.expCmdSN,
          maxCmdSN: conn.maxCmdSN,
          dataSN: dataSN++,
          bufferOffset: sl.offset,
          residualCount: withStatus ? residual.residualCount : 0,
          data: sl.length === data.length ? data : data.subarray(sl.offset, sl.offset + sl.length),
        };
        // The last Data-In's write callback means every slice left: the buffer may be reused.
        conn.send(pdu, last && release ? (err) => { if (!err) release(); } : undefined);
      }
      if (statusInData) return;
    }
  } else if (good) {
    const wanted = resp.transferLength ?? (task.write ? task.edtl : resp.dataIn?.length ?? 0);
    residual = computeResidual(task.edtl, wanted);
  }
  const sense = resp.sense;
  let data = EMPTY;
  if (sense && sense.length > 0) {
    data = Buffer.allocUnsafe(2 + sense.length);
    data.writeUInt16BE(sense.length, 0);
    sense.copy(data, 2);
  }
  conn.send({
    kind: 'ScsiResponse',
    immediate: false,
    bidiOverflow: false,
    bidiUnderflow: false,
    overflow: residual.overflow,
    underflow: residual.underflow,
    response: 0x00,
    status: resp.status,
    itt: task.itt,
    snack: 0,
    statSN: conn.statSN++,
    expCmdSN: conn.expCmdSN,
    maxCmdSN: conn.maxCmdSN,
    expDataSN: task.read ? dataSN : task.transfer ? task.transfer.r2tCount : 0,
    bidiReadResidualCount: 0,
    residualCount: residual.residualCount,
    data,
  });
}
