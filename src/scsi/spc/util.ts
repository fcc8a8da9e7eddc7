/**
 * Small helpers shared by the SPC-4 handlers: field-pointer sense, allocation-length
 * truncation (SPC-4 §4.2.5.6: "The device server shall terminate transfers to the
 * Data-In Buffer when the number of bytes specified by the ALLOCATION LENGTH field
 * have been transferred or when all available data have been transferred, whichever
 * is less"), and fixed-width ASCII fields (SPC-4 §4.4.1).
 */
import { checkCondition } from '../sense.js';
import { Status, type ScsiResponse } from '../types.js';

export function invalidCdb(byte: number, bit?: number): ScsiResponse {
  return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte, bit } });
}

export function invalidParam(byte: number, bit?: number): ScsiResponse {
  return checkCondition('InvalidFieldInParameterList', { fieldPointer: { cdb: false, byte, bit } });
}

/** GOOD with Data-In truncated to the allocation length. */
export function dataIn(data: Buffer, allocationLength: number): ScsiResponse {
  return { status: Status.Good, dataIn: data.length > allocationLength ? data.subarray(0, allocationLength) : data };
}

/** Left-aligned, space-padded ASCII of exactly `width` bytes (SPC-4 §4.4.1). */
export function asciiField(s: string, width: number): Buffer {
  const clean = s.replace(/[^\x20-\x7e]/g, ' ');
  return Buffer.from(clean.padEnd(width, ' ').slice(0, width), 'ascii');
}

/** A CDB byte, 0 when the CDB is shorter (transports may pass short CDBs). */
export function cdbByte(cdb: Buffer, i: number): number {
  return i < cdb.length ? cdb[i]! : 0;
}

export function cdbU16(cdb: Buffer, i: number): number {
  return (cdbByte(cdb, i) << 8) | cdbByte(cdb, i + 1);
}

export function cdbU32(cdb: Buffer, i: number): number {
  return ((cdbByte(cdb, i) << 24) >>> 0) + (cdbByte(cdb, i + 1) << 16) + (cdbByte(cdb, i + 2) << 8) + cdbByte(cdb, i + 3);
}
