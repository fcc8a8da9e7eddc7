/**
 * Text Request/Response in Full Feature Phase, RFC 7143 §11.10-§11.11: SendTargets
 * (discovery and normal sessions), MaxRecvDataSegmentLength re-declaration, and long
 * responses split over several Text Responses: "the target ... sets the C bit ... and
 * assigns a Target Transfer Tag; the initiator ... sends an empty Text Request with that
 * TTT" to fetch the rest.
 */
import { parseNumber } from '../pdu/negotiation.js';
import { encodeTextData, parseTextData } from '../pdu/text.js';
import { RejectReason, type RawPdu, type TextRequest } from '../pdu/types.js';
import type { ConnectionPort } from './connection-port.js';
import { sendTargetsReply } from './send-targets.js';

const NO_TTT = 0xffffffff;

export function handleText(conn: ConnectionPort, pdu: TextRequest, raw: RawPdu): void {
  if (pdu.ttt !== NO_TTT) {
    const cont = conn.textContinuation;
    if (!cont || cont.ttt !== pdu.ttt) {
      conn.reject(RejectReason.InvalidPduField, raw.bhs, 'Text Request with an unknown Target Transfer Tag');
      return;
    }
    conn.textContinuation = undefined;
    sendText(conn, pdu, cont.rest);
    return;
  }
  conn.textContinuation = undefined;
  const parsed = parseTextData(pdu.data);
  if (!parsed.ok) {
    conn.reject(RejectReason.ProtocolError, raw.bhs, `bad text data: ${parsed.message}`);
    return;
  }
  const replies: Array<[string, string]> = [];
  for (const [k, v] of parsed.pairs) {
    if (k === 'SendTargets') {
      const s = conn.session!;
      const visible = s.type === 'Normal' || conn.ctx.auth.isAllowed(s.initiatorName, { host: conn.localHost, port: conn.portal.port });
      replies.push(...sendTargetsReply(v, conn.ctx.targetName, conn.ctx.portals(), conn.localHost, visible));
    } else if (k === 'MaxRecvDataSegmentLength') {
      const n = parseNumber(v);
      if (n >= 512 && n <= 16777215 && conn.params) conn.params.peerMaxRecvDataSegmentLength = n;
      else replies.push([k, 'Reject']);
    } else {
      replies.push([k, 'NotUnderstood']);
    }
  }
  sendText(conn, pdu, encodeTextData(replies));
}

function sendText(conn: ConnectionPort, pdu: TextRequest, data: Buffer): void {
  const max = conn.peerMaxRecv;
  let chunk = data;
  let ttt = NO_TTT;
  if (data.length > max) {
    chunk = data.subarray(0, max);
    ttt = conn.nextTtt();
    conn.textContinuation = { ttt, rest: data.subarray(max) };
  }
  conn.send({
    kind: 'TextResponse',
    immediate: false,
    final: ttt === NO_TTT,
    continue: ttt !== NO_TTT,
    lun: Buffer.alloc(8),
    itt: pdu.itt,
    ttt,
    statSN: conn.statSN++,
    expCmdSN: conn.expCmdSN,
    maxCmdSN: conn.maxCmdSN,
    data: chunk,
  });
}
