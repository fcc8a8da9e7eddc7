/**
 * Full Feature Phase dispatch, RFC 7143 §4.2.2.1 (command numbering) and §11.
 * Commands that carry CmdSN (NOP-Out, SCSI Command, Task Management, Text, Logout) pass
 * through the session's CmdSN window and run in CmdSN order; Data-Out is not numbered and
 * goes straight to its task. "A target receiving a SNACK at ErrorRecoveryLevel 0 ... MUST
 * ... Reject" is honoured by rejecting SNACK with "Command not supported" (§11.16, §11.17.1).
 */
import { RejectReason, type Pdu, type RawPdu } from '../pdu/types.js';
import type { ConnectionPort } from './connection-port.js';
import { handleLogout } from './logout.js';
import { handleNopOut } from './nop.js';
import { handleDataOut, handleScsiCommand } from './scsi-command.js';
import type { WindowItem } from './session.js';
import { handleText } from './text.js';
import { handleTmf } from './tmf.js';
import { runDelivered } from './window-delivery.js';

export function dispatchFullFeature(conn: ConnectionPort, pdu: Pdu, raw: RawPdu): void {
  const s = conn.session;
  if (!s) return;
  switch (pdu.kind) {
    case 'ScsiDataOut':
      handleDataOut(conn, pdu, raw);
      return;
    case 'SnackRequest':
      conn.reject(RejectReason.CommandNotSupported, raw.bhs, 'SNACK is not supported at ErrorRecoveryLevel 0');
      return;
    case 'LoginRequest':
      conn.reject(RejectReason.ProtocolError, raw.bhs, 'Login Request in Full Feature Phase');
      return;
    case 'NopOut':
    case 'ScsiCommand':
    case 'TaskMgmtRequest':
    case 'TextRequest':
    case 'LogoutRequest':
      break;
    default:
      conn.reject(RejectReason.CommandNotSupported, raw.bhs, `unexpected ${pdu.kind} from an initiator`);
      return;
  }
  conn.expStatSN = pdu.expStatSN;
  const item: WindowItem<ConnectionPort> = {
    connection: conn,
    itt: pdu.itt,
    lun: 'lun' in pdu ? pdu.lun : undefined,
    aborted: false,
    run: () => runNumbered(conn, pdu, raw),
  };
  const v = s.window.submit(pdu.cmdSN, pdu.immediate, item);
  if (v.kind === 'dropped') {
    conn.log.debug({ cmdSN: pdu.cmdSN, expCmdSN: s.window.expCmdSN, why: v.why, kind: pdu.kind }, 'iscsi command outside the CmdSN window dropped');
    return;
  }
  if (v.kind === 'held') return;
  runDelivered(conn, v.items);
}

function runNumbered(conn: ConnectionPort, pdu: Pdu, raw: RawPdu): void {
  const discovery = conn.session?.type === 'Discovery';
  switch (pdu.kind) {
    case 'NopOut':
      handleNopOut(conn, pdu);
      return;
    case 'TextRequest':
      handleText(conn, pdu, raw);
      return;
    case 'LogoutRequest':
      handleLogout(conn, pdu);
      return;
    case 'ScsiCommand':
      if (discovery) conn.reject(RejectReason.ProtocolError, raw.bhs, 'SCSI command in a discovery session');
      else handleScsiCommand(conn, pdu, raw);
      return;
    case 'TaskMgmtRequest':
      if (discovery) conn.reject(RejectReason.ProtocolError, raw.bhs, 'task management in a discovery session');
      else handleTmf(conn, pdu);
      return;
    default:
      return;
  }
}
