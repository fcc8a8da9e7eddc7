/**
 * Building the SCSI I_T nexus for an iSCSI session.
 * RFC 7143 §4.2.7 (SCSI port names: "<iSCSI name>,i,0x<ISID>" and "<iSCSI name>,t,0x<TPGT>"),
 * SPC-4 §7.6.4.6 (iSCSI TransportID, FORMAT CODE 01b: initiator port name, NUL-terminated,
 * "The ADDITIONAL LENGTH field ... shall be at least 20 and shall be a multiple of four").
 */
import type { ItNexus } from '../../scsi/types.js';

/** ISID as 12 lowercase hex digits. */
export function isidHex(isid: Buffer): string {
  return isid.toString('hex').padStart(12, '0');
}

export function initiatorPortName(initiatorName: string, isid: Buffer): string {
  return `${initiatorName},i,0x${isidHex(isid)}`;
}

export function targetPortName(targetName: string, tpgt: number): string {
  return `${targetName},t,0x${(tpgt & 0xffff).toString(16).padStart(4, '0')}`;
}

/** SPC-4 §7.6.4.6 TransportID, protocol identifier 5h (iSCSI), FORMAT CODE 01b. */
export function iscsiTransportId(initiatorPort: string): Buffer {
  const name = Buffer.from(initiatorPort, 'utf8');
  let addl = name.length + 1; // NUL terminator
  if (addl < 20) addl = 20;
  addl = (addl + 3) & ~3;
  const b = Buffer.alloc(4 + addl);
  b[0] = 0x40 | 0x05;
  b.writeUInt16BE(addl, 2);
  name.copy(b, 4);
  return b;
}

export interface NexusParams {
  targetName: string;
  initiatorName: string;
  isid: Buffer;
  tpgt: number;
  relativeTargetPortId: number;
  targetPortGroupId: number;
}

export function buildNexus(p: NexusParams): ItNexus {
  const initiatorPort = initiatorPortName(p.initiatorName, p.isid);
  const targetPort = targetPortName(p.targetName, p.tpgt);
  return {
    id: `${initiatorPort}|${targetPort}`,
    initiatorName: p.initiatorName,
    initiatorPort,
    targetPort,
    targetName: p.targetName,
    relativeTargetPortId: p.relativeTargetPortId,
    targetPortGroupId: p.targetPortGroupId,
    transportId: iscsiTransportId(initiatorPort),
  };
}
