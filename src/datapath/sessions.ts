/** Presents the iSCSI target's sessions in the control plane's shape (RFC 7143 §13 key names). */
import type { SessionInfo } from '../management/data-plane.js';
import type { SessionInfo as IscsiSessionInfo } from '../iscsi/target/iscsi-target.js';

export function presentSessions(sessions: IscsiSessionInfo[]): SessionInfo[] {
  return sessions.map((s) => {
    const p = s.params;
    const params: Record<string, string | number | boolean> = {
      HeaderDigest: p.headerDigest,
      DataDigest: p.dataDigest,
      MaxRecvDataSegmentLength: p.ourMaxRecvDataSegmentLength,
      InitiatorMaxRecvDataSegmentLength: p.peerMaxRecvDataSegmentLength,
      MaxBurstLength: p.maxBurstLength,
      FirstBurstLength: p.firstBurstLength,
      ImmediateData: p.immediateData,
      InitialR2T: p.initialR2T,
      MaxOutstandingR2T: p.maxOutstandingR2T,
      DataPDUInOrder: p.dataPDUInOrder,
      DataSequenceInOrder: p.dataSequenceInOrder,
      DefaultTime2Wait: p.defaultTime2Wait,
      DefaultTime2Retain: p.defaultTime2Retain,
      ErrorRecoveryLevel: p.errorRecoveryLevel,
      MaxConnections: p.maxConnections,
      CommandsExecuted: s.commandsExecuted,
    };
    return {
      initiatorName: s.initiatorName,
      isid: s.isid,
      tsih: s.tsih,
      type: s.type,
      loginAt: s.loginTime,
      connections: s.connections.map((c) => ({ cid: c.cid, local: c.local, remote: c.remote, portalGroupTag: c.tpgt, params })),
    };
  });
}
