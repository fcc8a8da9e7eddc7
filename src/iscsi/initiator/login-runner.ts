/**
 * Drives a LoginFlow over one InitiatorConnection, RFC 7143 §11.12: Login Requests are
 * immediate ("I bit: always 1"), carry the session's initial CmdSN unchanged, the same
 * ITT and CID during the whole login, ExpStatSN = last StatSN + 1 after the first
 * response, ISID, and TSIH 0 for a new session (or its reinstatement, §6.3.5).
 * On success the connection switches to the negotiated digests and limits.
 */
import type { NegotiatedParams } from '../pdu/negotiation.js';
import { encodeTextData } from '../pdu/text.js';
import type { LoginResponse, TargetPdu } from '../pdu/types.js';
import type { InitiatorConnection } from './connection.js';
import { LoginError } from './login-error.js';
import type { LoginFlow } from './login-flow.js';

export interface LoginResult {
  params: NegotiatedParams;
  tsih: number;
  expCmdSN: number;
  maxCmdSN: number;
  /** ExpStatSN to use next. */
  expStatSN: number;
  targetKeys: Map<string, string>;
}

export interface LoginIds {
  isid: Buffer;
  tsih: number;
  cid: number;
  cmdSN: number;
  itt: number;
}

export function runLogin(conn: InitiatorConnection, flow: LoginFlow, ids: LoginIds, timeoutMs: number): Promise<LoginResult> {
  return new Promise((resolve, reject) => {
    let expStatSN = 0;
    let first = true;
    const finish = (err: Error | undefined, res?: LoginResult): void => {
      clearTimeout(timer);
      conn.off('pdu', onPdu);
      conn.off('close', onClose);
      if (err) {
        conn.close(`login failed: ${err.message}`);
        reject(err);
      } else resolve(res!);
    };
    const timer = setTimeout(() => finish(LoginError.local(`login did not complete within ${timeoutMs} ms`)), timeoutMs);
    const onClose = (reason: string): void => finish(LoginError.local(`connection lost during login: ${reason}`));
    const sendStep = (step: ReturnType<LoginFlow['start']>, last?: LoginResponse): void => {
      if (step.kind === 'fail') return finish(step.error);
      if (step.kind === 'done') {
        const p = step.params;
        conn.setDigests({ header: p.headerDigest === 'CRC32C', data: p.dataDigest === 'CRC32C' });
        conn.setMaxRecv(p.ourMaxRecvDataSegmentLength);
        return finish(undefined, { params: p, tsih: step.tsih, expCmdSN: last!.expCmdSN, maxCmdSN: last!.maxCmdSN, expStatSN, targetKeys: step.targetKeys });
      }
      const r = step.request;
      conn.send({
        kind: 'LoginRequest',
        immediate: true,
        transit: r.transit,
        continue: false,
        csg: r.csg,
        nsg: r.nsg,
        versionMax: 0,
        versionMin: 0,
        isid: ids.isid,
        tsih: ids.tsih,
        itt: ids.itt,
        cid: ids.cid,
        cmdSN: ids.cmdSN,
        expStatSN,
        data: encodeTextData(r.pairs),
      });
    };
    const onPdu = (pdu: TargetPdu): void => {
      if (pdu.kind !== 'LoginResponse') {
        if (pdu.kind === 'Reject') return finish(LoginError.local(`the target rejected our Login Request (reason 0x${pdu.reason.toString(16)})`));
        return finish(LoginError.local(`unexpected ${pdu.kind} during login`));
      }
      if (pdu.itt !== ids.itt) return finish(LoginError.local('Login Response with a foreign Initiator Task Tag'));
      if (first || pdu.statusClass === 0) expStatSN = (pdu.statSN + 1) >>> 0;
      first = false;
      sendStep(flow.onResponse(pdu), pdu);
    };
    conn.on('pdu', onPdu);
    conn.once('close', onClose);
    sendStep(flow.start());
  });
}

