/**
 * NOP-Out handling, RFC 7143 §11.18-§11.19.
 * "Upon receipt of a NOP-In with the Target Transfer Tag set to a valid value (not
 * 0xffffffff), the initiator MUST respond with a NOP-Out" — such answers, and pings with
 * ITT 0xffffffff, get no reply. Otherwise "the target MUST respond with a NOP-In with the
 * same Initiator Task Tag ... and ... the data ... returned as ping data".
 */
import type { NopOut } from '../pdu/types.js';
import type { ConnectionPort } from './connection-port.js';

const RESERVED = 0xffffffff;

export function handleNopOut(conn: ConnectionPort, pdu: NopOut): void {
  if (pdu.itt === RESERVED) return;
  const data = pdu.data.length > conn.peerMaxRecv ? pdu.data.subarray(0, conn.peerMaxRecv) : pdu.data;
  conn.send({
    kind: 'NopIn',
    immediate: false,
    lun: pdu.lun,
    itt: pdu.itt,
    ttt: RESERVED,
    statSN: conn.statSN++,
    expCmdSN: conn.expCmdSN,
    maxCmdSN: conn.maxCmdSN,
    data,
  });
}
