/**
 * Task Management Function Request/Response, RFC 7143 §11.5-§11.6, mapped onto the SCSI
 * core's taskManagement() (SAM-5 §7).
 *
 * - Tasks the transport still gathers Data-Out for are aborted here (the core never saw
 *   them); commands held in the CmdSN window are marked aborted.
 * - ABORT TASK for a task that is gone: "If the Referenced Task Tag does not identify an
 *   existing task, but if the CmdSN indicated by the RefCmdSN field ... is within the valid
 *   CmdSN window and less than the CmdSN of the Task Management Function Request itself,
 *   then targets must consider the CmdSN as received and return the 'Function complete'
 *   response" (§11.5.1); otherwise "Task does not exist".
 * - The response goes out only after taskManagement() resolved, i.e. after every affected
 *   task ended (§4.2.3 "Task Management Function" ordering).
 * - TARGET COLD RESET: "the target ... MUST ... drop all connections" after the response
 *   (§11.5.1). CLEAR ACA is not supported; TASK REASSIGN needs ERL 2 (response 4).
 */
import { serialGte, serialLt } from '../../lib/serial.js';
import { TmfFunction, TmfResult, type TmfFunctionValue, type TmfResultValue } from '../../scsi/types.js';
import { decodeLun } from '../../lib/lun.js';
import type { TaskMgmtRequest } from '../pdu/types.js';
import type { ConnectionPort } from './connection-port.js';
import { abortGathering } from './scsi-command.js';
import type { ScsiTask } from './scsi-task.js';
import { runDelivered } from './window-delivery.js';

export const TmfResponse = {
  Complete: 0,
  TaskDoesNotExist: 1,
  LunDoesNotExist: 2,
  TaskStillAllegiant: 3,
  ReassignmentNotSupported: 4,
  NotSupported: 5,
  AuthorizationFailed: 6,
  Rejected: 255,
} as const;

const FN: Record<number, TmfFunctionValue | 'reassign' | undefined> = {
  1: TmfFunction.AbortTask,
  2: TmfFunction.AbortTaskSet,
  3: TmfFunction.ClearAca,
  4: TmfFunction.ClearTaskSet,
  5: TmfFunction.LunReset,
  6: TmfFunction.TargetWarmReset,
  7: TmfFunction.TargetColdReset,
  8: 'reassign',
};

export function tmfResponseCode(r: TmfResultValue): number {
  switch (r) {
    case TmfResult.Complete:
      return TmfResponse.Complete;
    case TmfResult.TaskDoesNotExist:
      return TmfResponse.TaskDoesNotExist;
    case TmfResult.LunDoesNotExist:
      return TmfResponse.LunDoesNotExist;
    case TmfResult.NotSupported:
      return TmfResponse.NotSupported;
    default:
      return TmfResponse.Rejected;
  }
}

function respond(conn: ConnectionPort, req: TaskMgmtRequest, response: number): void {
  conn.batch(() =>
    conn.send({
      kind: 'TaskMgmtResponse',
      immediate: false,
      response,
      itt: req.itt,
      statSN: conn.statSN++,
      expCmdSN: conn.expCmdSN,
      maxCmdSN: conn.maxCmdSN,
    }),
  );
}

/** Connections whose tasks a function reaches: this session's, or every session's. */
function scopeConnections(conn: ConnectionPort, fn: TmfFunctionValue): ConnectionPort[] {
  if (fn === TmfFunction.AbortTask || fn === TmfFunction.AbortTaskSet) return [...conn.session!.connections];
  return [...conn.ctx.connections()];
}

function inScope(task: ScsiTask, fn: TmfFunctionValue, lun: number, ref: number): boolean {
  if (fn === TmfFunction.AbortTask) return task.itt === ref;
  if (fn === TmfFunction.TargetWarmReset || fn === TmfFunction.TargetColdReset) return true;
  return task.lun === lun;
}

export function handleTmf(conn: ConnectionPort, req: TaskMgmtRequest): void {
  const s = conn.session!;
  const f = FN[req.function];
  if (f === undefined) return respond(conn, req, TmfResponse.Rejected);
  if (f === 'reassign') return respond(conn, req, TmfResponse.ReassignmentNotSupported);
  if (f === TmfFunction.ClearAca) return respond(conn, req, TmfResponse.NotSupported);
  const lun = decodeLun(req.lun);

  // Abort what the SCSI core has not seen yet.
  let gatheredHit = false;
  let executingHit = false;
  for (const c of scopeConnections(conn, f)) {
    for (const t of [...c.tasks.values()]) {
      if (!inScope(t, f, lun, req.referencedTaskTag)) continue;
      if (t.state === 'gathering') {
        abortGathering(c, t);
        gatheredHit = true;
      } else executingHit = true;
    }
    const sess = c.session;
    if (sess) {
      for (const item of sess.window.heldItems()) {
        const itemLun = item.lun ? decodeLun(item.lun) : -1;
        const hit = f === TmfFunction.AbortTask ? item.itt === req.referencedTaskTag && sess === s : f === TmfFunction.TargetWarmReset || f === TmfFunction.TargetColdReset || itemLun === lun;
        if (hit) {
          item.aborted = true;
          gatheredHit = true;
        }
      }
    }
  }

  if (f === TmfFunction.AbortTask && !executingHit) {
    if (gatheredHit) return respond(conn, req, TmfResponse.Complete);
    const w = s.window;
    const ref = req.refCmdSN >>> 0;
    if (serialGte(ref, w.expCmdSN) && serialLt(ref, req.cmdSN) && !w.received(ref)) {
      // Fill the CmdSN hole so that a late arrival of that command is a duplicate.
      respond(conn, req, TmfResponse.Complete);
      const v = w.submit(ref, false, { connection: conn, itt: req.referencedTaskTag, lun: undefined, aborted: true, run: () => {} });
      if (v.kind === 'deliver') runDelivered(conn, v.items);
      return;
    }
    return respond(conn, req, TmfResponse.TaskDoesNotExist);
  }

  let p: Promise<TmfResultValue>;
  try {
    p = conn.ctx.scsi.taskManagement({
      nexus: s.nexus!,
      fn: f,
      lun,
      ...(f === TmfFunction.AbortTask ? { referencedTag: req.referencedTaskTag } : {}),
    });
  } catch (err) {
    p = Promise.reject(err);
  }
  p.then(
    (r) => {
      if (conn.phase !== 'full-feature') return;
      try {
        finish(r);
      } catch (err) {
        conn.log.error({ err }, 'iscsi TMF response failed; dropping the connection');
        conn.close('internal error while answering task management');
      }
    },
    (err: unknown) => {
      conn.log.error({ err }, 'scsi taskManagement failed');
      if (conn.phase === 'full-feature') respond(conn, req, TmfResponse.Rejected);
    },
  );
  function finish(r: TmfResultValue): void {
    respond(conn, req, tmfResponseCode(r));
    if (f === TmfFunction.TargetColdReset && r === TmfResult.Complete) {
      for (const c of [...conn.ctx.connections()]) {
        if (c === conn) c.closeAfterFlush('target cold reset');
        else c.close('target cold reset');
      }
    }
  }
}
