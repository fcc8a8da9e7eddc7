/**
 * Turning a finished login into a session, RFC 7143 §6.3 and §11.12.6.
 *  - Leading login (TSIH 0): allocate a TSIH; if a session with the same InitiatorName,
 *    ISID and TPGT exists, reinstate: "the target MUST ... terminate the old session ...
 *    and ... the new session replaces it" (§6.3.5 Session Reinstatement).
 *  - Non-leading login (TSIH ≠ 0): join that session; a connection with the same CID is
 *    reinstated (the old one closed, §6.3.4).
 */
import { buildNexus } from './nexus.js';
import type { ConnectionPort } from './connection-port.js';
import { endSession } from './session-end.js';
import type { LoginMachine } from './login-machine.js';
import { LoginStatus, type LoginStatusValue } from './login-status.js';
import { Session } from './session.js';

export type CompleteResult = { ok: true; session: Session<ConnectionPort> } | { ok: false; status: LoginStatusValue; detail: string };

export function completeLogin(conn: ConnectionPort, m: LoginMachine): CompleteResult {
  const ctx = conn.ctx;
  const tpgt = conn.portal.tpgt;
  conn.cid = m.cid;
  if (!m.leading) {
    const s = ctx.registry.byTsihValue(m.tsih);
    if (!s || s.ended || s.initiatorName !== m.initiatorName || !s.isid.equals(m.isid)) {
      return { ok: false, status: LoginStatus.SessionDoesNotExist, detail: `session ${m.tsih} no longer exists` };
    }
    for (const c of s.connections) if (c.cid === m.cid) c.close('connection reinstated');
    if (s.connections.size >= s.params.maxConnections) return { ok: false, status: LoginStatus.TooManyConnections, detail: 'too many connections' };
    const own = m.params;
    conn.params = { ...s.params, headerDigest: own.headerDigest, dataDigest: own.dataDigest, peerMaxRecvDataSegmentLength: own.peerMaxRecvDataSegmentLength, ourMaxRecvDataSegmentLength: own.ourMaxRecvDataSegmentLength };
    conn.session = s;
    s.connections.add(conn);
    ctx.logger.info({ initiator: m.initiatorName, tsih: s.tsih, cid: m.cid, remote: conn.remoteAddress }, 'iscsi connection added to session');
    return { ok: true, session: s };
  }

  const old = ctx.registry.find(m.initiatorName, m.isid, tpgt);
  if (old) {
    ctx.logger.info({ initiator: m.initiatorName, tsih: old.tsih }, 'iscsi session reinstatement');
    endSession(ctx, old, 'reinstated');
    ctx.emit({ type: 'session-reinstated', initiatorName: m.initiatorName, detail: `old TSIH ${old.tsih} replaced from ${conn.remoteAddress}` });
  }
  const tsih = ctx.registry.allocateTsih();
  if (tsih === undefined) return { ok: false, status: LoginStatus.OutOfResources, detail: 'no free TSIH' };
  const nexus =
    m.sessionType === 'Normal'
      ? buildNexus({
          targetName: ctx.targetName,
          initiatorName: m.initiatorName,
          isid: m.isid,
          tpgt,
          relativeTargetPortId: conn.portal.relativeTargetPortId,
          targetPortGroupId: conn.portal.targetPortGroupId,
        })
      : undefined;
  const s = new Session<ConnectionPort>(tsih, m.isid, m.initiatorName, m.initiatorAlias, m.sessionType, tpgt, { ...m.params }, nexus, m.cmdSN, ctx.queueDepth, ctx.clock.now());
  ctx.registry.add(s);
  conn.params = s.params;
  conn.session = s;
  s.connections.add(conn);
  if (nexus) {
    try {
      ctx.scsi.nexusCreated(nexus);
    } catch (err) {
      ctx.logger.error({ err }, 'scsi nexusCreated failed');
    }
  }
  ctx.logger.info({ initiator: m.initiatorName, tsih, type: m.sessionType, remote: conn.remoteAddress }, 'iscsi login');
  ctx.emit({ type: 'login', initiatorName: m.initiatorName, detail: `${m.sessionType} session TSIH ${tsih} from ${conn.remoteAddress}` });
  return { ok: true, session: s };
}
