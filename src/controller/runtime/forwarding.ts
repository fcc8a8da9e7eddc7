/**
 * Wire form of a forwarded SCSI command and its response on the peer link (docs/ha.md
 * "Forwarding"): the non-owner sends {volumeId, nexus, cdb, tag, …} with Data-Out as the
 * binary payload; the owner answers {status, sense, transferLength, aborted} with
 * Data-In as the payload. ItNexus is JSON except transportId (base64).
 */
import type { JsonValue } from '../index.js';
import type { ItNexus, ScsiCommand, ScsiResponse, TaskAttrValue } from '../../scsi/types.js';

export interface ForwardedCommandBody {
  [k: string]: JsonValue;
  volumeId: string;
  lun: number;
  cdb: string;
  tag: number;
  taskAttr: string;
  edtl: number;
  nexus: { [k: string]: JsonValue };
}

export function encodeNexus(n: ItNexus): { [k: string]: JsonValue } {
  return {
    id: n.id, initiatorName: n.initiatorName, initiatorPort: n.initiatorPort, targetPort: n.targetPort, targetName: n.targetName,
    relativeTargetPortId: n.relativeTargetPortId, targetPortGroupId: n.targetPortGroupId, transportId: n.transportId.toString('base64'),
  };
}

export function decodeNexus(o: { [k: string]: JsonValue }): ItNexus {
  return {
    id: String(o.id), initiatorName: String(o.initiatorName), initiatorPort: String(o.initiatorPort), targetPort: String(o.targetPort),
    targetName: String(o.targetName), relativeTargetPortId: Number(o.relativeTargetPortId), targetPortGroupId: Number(o.targetPortGroupId),
    transportId: Buffer.from(String(o.transportId), 'base64'),
  };
}

export function encodeCommand(volumeId: string, cmd: ScsiCommand): { body: ForwardedCommandBody; payload?: Buffer } {
  return {
    body: {
      volumeId, lun: cmd.lun, cdb: cmd.cdb.toString('base64'), tag: cmd.tag, taskAttr: cmd.taskAttr,
      edtl: cmd.expectedDataTransferLength, nexus: encodeNexus(cmd.nexus),
    },
    ...(cmd.dataOut ? { payload: cmd.dataOut } : {}),
  };
}

export function decodeCommand(body: ForwardedCommandBody, payload: Buffer | undefined): ScsiCommand {
  return {
    nexus: decodeNexus(body.nexus),
    lun: body.lun,
    cdb: Buffer.from(body.cdb, 'base64'),
    tag: body.tag,
    taskAttr: body.taskAttr as TaskAttrValue,
    expectedDataTransferLength: body.edtl,
    dataOut: payload,
  };
}

export function encodeResponse(r: ScsiResponse): { body: JsonValue; payload?: Buffer } {
  const body: { [k: string]: JsonValue } = { status: r.status };
  if (r.sense) body.sense = r.sense.toString('base64');
  if (r.transferLength !== undefined) body.transferLength = r.transferLength;
  if (r.aborted) body.aborted = true;
  return { body, ...(r.dataIn ? { payload: r.dataIn } : {}) };
}

export function decodeResponse(body: JsonValue, payload: Buffer | undefined): ScsiResponse {
  const o = (body ?? {}) as { [k: string]: JsonValue };
  const r: ScsiResponse = { status: Number(o.status) };
  if (typeof o.sense === 'string') r.sense = Buffer.from(o.sense, 'base64');
  if (typeof o.transferLength === 'number') r.transferLength = o.transferLength;
  if (o.aborted === true) r.aborted = true;
  if (payload) r.dataIn = payload;
  return r;
}
