/**
 * SPC-4 §4.2.5.6 allocation length: "The device server shall terminate transfers to the
 * Data-In Buffer when the number of bytes specified by the ALLOCATION LENGTH field have
 * been transferred or when all available data have been transferred, whichever is less."
 */
import { Status, type ScsiResponse } from '../types.js';

export function dataInResponse(data: Buffer, allocationLength: number): ScsiResponse {
  const n = Math.min(data.length, allocationLength);
  return { status: Status.Good, dataIn: n === data.length ? data : data.subarray(0, n), transferLength: n };
}
