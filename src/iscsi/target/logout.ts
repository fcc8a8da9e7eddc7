/**
 * Logout Request/Response, RFC 7143 §11.14-§11.15.
 * Reason 0 closes the session, 1 closes the connection with the given CID, 2 (remove for
 * recovery) needs ERL 2: response 2 "connection recovery is not supported". "The target
 * ... MUST NOT send ... any further response PDUs on the connection after the Logout
 * Response" — the connection is half-closed once the response is flushed.
 */
import type { LogoutRequest } from '../pdu/types.js';
import type { ConnectionPort } from './connection-port.js';
import { endSession } from './session-end.js';

export const LogoutResponseCode = { Closed: 0, CidNotFound: 1, RecoveryNotSupported: 2, CleanupFailed: 3 } as const;

function reply(conn: ConnectionPort, req: LogoutRequest, response: number): void {
  conn.send({
    kind: 'LogoutResponse',
    immediate: false,
    response,
    itt: req.itt,
    statSN: conn.statSN++,
    expCmdSN: conn.expCmdSN,
    maxCmdSN: conn.maxCmdSN,
    time2Wait: 0,
    time2Retain: 0,
  });
}

export function handleLogout(conn: ConnectionPort, req: LogoutRequest): void {
  const s = conn.session!;
  const ctx = conn.ctx;
  if (req.reasonCode === 0) {
    reply(conn, req, LogoutResponseCode.Closed);
    for (const c of s.connections) c.loggedOut = true;
    ctx.emit({ type: 'logout', initiatorName: s.initiatorName, detail: `session TSIH ${s.tsih} closed by the initiator` });
    endSession(ctx, s, 'logout');
    return;
  }
  if (req.reasonCode === 1) {
    const target = [...s.connections].find((c) => c.cid === req.cid);
    if (!target) {
      reply(conn, req, LogoutResponseCode.CidNotFound);
      return;
    }
    reply(conn, req, LogoutResponseCode.Closed);
    target.loggedOut = true;
    ctx.emit({ type: 'logout', initiatorName: s.initiatorName, detail: `connection ${req.cid} of TSIH ${s.tsih} closed by the initiator` });
    s.connections.delete(target);
    if (target === conn) target.closeAfterFlush('logout');
    else target.close('logout of another connection');
    if (s.connections.size === 0) endSession(ctx, s, 'logout');
    return;
  }
  reply(conn, req, LogoutResponseCode.RecoveryNotSupported);
}
