/**
 * REPORT TARGET PORT GROUPS parameter data (SPC-4 §6.37.2):
 *  - header: RETURN DATA LENGTH bytes 0–3; with the extended header (PARAMETER DATA
 *    FORMAT 001b) byte 4 bits 6:4 hold FORMAT TYPE 001b and byte 5 the IMPLICIT
 *    TRANSITION TIME in seconds, and descriptors start at byte 8, else at byte 4 (bits
 *    6:4 of a descriptor's byte 0 are reserved, so the FORMAT TYPE tells the two apart);
 *  - RETURN DATA LENGTH counts the descriptors (as this house's target and LIO fill it);
 *    a target that also counts bytes 4–7 of the extended header is read the same way,
 *    since the data itself ends the list;
 *  - each target port group descriptor: PREF byte 0 bit 7, ASYMMETRIC ACCESS STATE bits
 *    3:0, supported-state bits byte 1 (T_SUP O_SUP LBD_SUP U_SUP S_SUP AN_SUP AO_SUP),
 *    TARGET PORT GROUP bytes 2–3, STATUS CODE byte 5, TARGET PORT COUNT byte 7, then 4
 *    bytes per port with the RELATIVE TARGET PORT IDENTIFIER in bytes 2–3.
 * A reserved state code reads as unavailable (the port cannot be assumed usable). Short
 * or truncated data never throws: a descriptor is listed when its 8 fixed bytes are
 * present, with the ports that are.
 */
import { aluaStateOfCode, type ReportedAluaState } from './alua-state.js';

export interface TargetPortGroupDescriptor {
  id: number;
  state: ReportedAluaState;
  pref: boolean;
  /** Supported states bits (T_SUP O_SUP LBD_SUP U_SUP S_SUP AN_SUP AO_SUP). */
  supported: number;
  statusCode: number;
  /** Relative target port identifiers in the group. */
  ports: number[];
}

export interface ReportTargetPortGroups {
  /** PARAMETER DATA FORMAT of the answer: 0 length-only header, 1 extended header. */
  format: 0 | 1;
  /** IMPLICIT TRANSITION TIME in seconds (extended header only; 0: no recommendation). */
  implicitTransitionTime?: number;
  groups: TargetPortGroupDescriptor[];
}

const FORMAT_EXTENDED = 0x10;

export function parseReportTargetPortGroups(d: Buffer): ReportTargetPortGroups {
  if (d.length < 4) return { format: 0, groups: [] };
  const extended = d.length >= 8 && (d[4]! & 0x70) === FORMAT_EXTENDED;
  const start = extended ? 8 : 4;
  const end = Math.min(d.length, start + d.readUInt32BE(0));
  const groups: TargetPortGroupDescriptor[] = [];
  for (let o = start; o + 8 <= end; o += 8 + 4 * d[o + 7]!) {
    const count = d[o + 7]!;
    const ports: number[] = [];
    for (let i = 0; i < count && o + 8 + 4 * i + 4 <= end; i++) ports.push(d.readUInt16BE(o + 8 + 4 * i + 2));
    groups.push({
      id: d.readUInt16BE(o + 2),
      state: aluaStateOfCode(d[o]! & 0x0f) ?? 'unavailable',
      pref: (d[o]! & 0x80) !== 0,
      supported: d[o + 1]!,
      statusCode: d[o + 5]!,
      ports,
    });
  }
  return extended ? { format: 1, implicitTransitionTime: d[5]!, groups } : { format: 0, groups };
}
