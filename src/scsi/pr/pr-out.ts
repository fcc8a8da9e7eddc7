/**
 * PERSISTENT RESERVE OUT (SPC-4 §6.16): decodes the CDB and parameter list (§6.16.3,
 * §6.16.4 for REGISTER AND MOVE), runs the pure prOut() transition, saves the new
 * state before acknowledging — APTPL or not: the state store is where the controller
 * taking over finds it (docs/ha.md «LU state belongs to the array»); APTPL decides only
 * what a power on of the whole array keeps (SPC-4 §5.9.4, lu-state.ts) — and carries out
 * the unit attentions and PREEMPT AND ABORT task aborts. A controller that may not
 * change the state (it no longer owns the volume) answers NOT READY 04h/0Ah, which
 * hosts retry; a failed save, INSUFFICIENT REGISTRATION RESOURCES (nothing applied).
 *
 * "If the PARAMETER LIST LENGTH field ... is not 24 (18h) and the SPEC_I_PT bit is set to
 * zero, the device server shall terminate the command with CHECK CONDITION status, with
 * the sense key set to ILLEGAL REQUEST, and the additional sense code set to PARAMETER
 * LIST LENGTH ERROR" (SPC-4 §6.16.3).
 */
import type { CommandContext } from '../command-context.js';
import { core, type CoreLu } from '../core-context.js';
import { checkCondition, GOOD } from '../sense.js';
import { commitResponse as committed } from '../lu-state.js';
import { cdbByte, cdbU32, invalidParam } from '../spc/util.js';
import { Status, type ScsiResponse } from '../types.js';
import { prOut, PrOutAction, type PrOutRequest, type PrOutResult } from './pr-out-logic.js';
import { parseTransportId, type ParsedTransportId } from './transport-id.js';

const lengthError = (): ScsiResponse => checkCondition('ParameterListLengthError');

function decode(cdb: Buffer, data: Buffer): PrOutRequest | ScsiResponse {
  const action = cdbByte(cdb, 1) & 0x1f;
  const scope = cdbByte(cdb, 2) >> 4;
  const type = cdbByte(cdb, 2) & 0x0f;
  const len = cdbU32(cdb, 5);
  if (len < 24 || data.length < len) return lengthError();
  const p = data.subarray(0, len);
  const base = {
    action,
    scope,
    type,
    reservationKey: p.readBigUInt64BE(0),
    serviceActionKey: p.readBigUInt64BE(8),
  };
  if (action === PrOutAction.RegisterAndMove) {
    const tidLen = p.readUInt32BE(20);
    if (len !== 24 + tidLen) return lengthError();
    const tid = parseTransportId(p, 24);
    if (!tid || tid.length !== tidLen) return invalidParam(24);
    return {
      ...base,
      specIPt: false,
      allTgPt: false,
      aptpl: (p[17]! & 0x01) !== 0,
      transportIds: [],
      move: { relativeTargetPortId: p.readUInt16BE(18), transportId: tid, unreg: (p[17]! & 0x02) !== 0 },
    };
  }
  const specIPt = (p[20]! & 0x08) !== 0;
  const allTgPt = (p[20]! & 0x04) !== 0;
  const aptpl = (p[20]! & 0x01) !== 0;
  const transportIds: ParsedTransportId[] = [];
  if (!specIPt) {
    if (len !== 24) return lengthError();
  } else if (action === PrOutAction.Register) {
    if (len < 28) return lengthError();
    const tidTotal = p.readUInt32BE(24);
    if (len !== 28 + tidTotal) return lengthError();
    let off = 28;
    while (off < len) {
      const t = parseTransportId(p, off);
      if (!t) return invalidParam(off);
      transportIds.push(t);
      off += t.length;
    }
    if (off !== len) return invalidParam(24);
  }
  if (allTgPt && (action === PrOutAction.Reserve || action === PrOutAction.Release || action === PrOutAction.Clear || action === PrOutAction.Preempt || action === PrOutAction.PreemptAndAbort)) {
    // SPC-4 §6.16.3: ALL_TG_PT is only meaningful for REGISTER and REGISTER AND IGNORE EXISTING KEY.
    return invalidParam(20, 2);
  }
  return { ...base, specIPt, allTgPt, aptpl, transportIds };
}

export async function persistentReserveOut(ctx: CommandContext<CoreLu>): Promise<ScsiResponse> {
  const c = core(ctx);
  const cdb = c.cmd.cdb;
  const action = cdbByte(cdb, 1) & 0x1f;
  if (action > PrOutAction.RegisterAndMove) return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte: 1, bit: 4 } });
  const req = decode(cdb, c.cmd.dataOut ?? Buffer.alloc(0));
  if ('status' in req) return req;
  const outcome = await c.lu.prExclusive(async (): Promise<{ response: ScsiResponse; aborts: PrOutResult['aborts'] }> => {
    const result = prOut(c.lu.prState, c.cmd.nexus, req, c.target.ports);
    const o = result.outcome;
    if (o.kind === 'conflict') return { response: { status: Status.ReservationConflict }, aborts: [] };
    if (o.kind === 'check') return { response: checkCondition(o.reason, o.field ? { fieldPointer: o.field } : undefined), aborts: [] };
    if (result.changed) {
      const saved = await c.lu.commitPr(result);
      if (saved !== 'saved') return { response: committed(saved), aborts: [] };
    }
    return { response: GOOD, aborts: result.aborts };
  });
  // Abort outside the PR critical section: a preempted nexus's queued PR OUT must be able to finish.
  if (outcome.aborts.length > 0) await c.target.abortForPreempt(c.lu, outcome.aborts, c.cmd.nexus);
  return outcome.response;
}
