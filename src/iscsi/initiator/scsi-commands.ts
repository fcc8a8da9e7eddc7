/**
 * Typed SCSI commands over any executor (an InitiatorSession, or a multipath path):
 * each helper builds the CDB (scsi-cdb.ts), runs it, and returns parsed data or throws a
 * ScsiCommandError carrying the outcome and the decoded sense (SAM-5 §5.3 status codes:
 * GOOD 00h and CONDITION MET 04h are success; anything else, or a transport error, throws).
 */
import {
  compareAndWriteCdb, getLbaStatusCdb, inquiryCdb, persistentReserveInCdb, persistentReserveOutCdb, readCapacity16Cdb,
  reportLunsCdb, reportTargetPortGroupsCdb, rw10Cdb, rw16Cdb, setTargetPortGroupsCdb, synchronizeCache16Cdb,
  testUnitReadyCdb, unmapCdb, type AluaStateName, type PrOutParams,
} from './scsi-cdb.js';
import {
  parseCapacity16, parseDeviceIdentification, parsePersistentReserveIn, parseReportLuns, parseReportTargetPortGroups,
  parseStandardInquiry, parseUnitSerial, type Capacity16, type DeviceIdentification, type PrInResult, type StandardInquiry,
  type TargetPortGroupDescriptor,
} from './scsi-parse.js';
import { decodeSense } from './sense-decode.js';
import type { DecodedSense, ScsiOutcome, ScsiRequest } from './types.js';

export interface ScsiExecutor {
  execute(lun: number, req: ScsiRequest): Promise<ScsiOutcome>;
}

export const ScsiStatus = { Good: 0x00, CheckCondition: 0x02, ConditionMet: 0x04, Busy: 0x08, ReservationConflict: 0x18, TaskSetFull: 0x28, AcaActive: 0x30, TaskAborted: 0x40 } as const;

export class ScsiCommandError extends Error {
  readonly code = 'SCSI_COMMAND';
  readonly sense?: DecodedSense;
  constructor(readonly outcome: ScsiOutcome, what: string) {
    let msg: string;
    let sense: DecodedSense | undefined;
    if (outcome.kind === 'transport-error') msg = `${what}: transport error: ${outcome.error.message}`;
    else {
      sense = outcome.sense ? decodeSense(outcome.sense) : undefined;
      msg = `${what}: SCSI status 0x${outcome.status.toString(16).padStart(2, '0')}${sense ? ` (${sense.description})` : ''}`;
    }
    super(msg);
    this.name = 'ScsiCommandError';
    if (sense) this.sense = sense;
  }
  get status(): number | undefined {
    return this.outcome.kind === 'status' ? this.outcome.status : undefined;
  }
}

async function run(s: ScsiExecutor, lun: number, what: string, req: ScsiRequest): Promise<Buffer> {
  const o = await s.execute(lun, req);
  if (o.kind === 'status' && (o.status === ScsiStatus.Good || o.status === ScsiStatus.ConditionMet)) return o.data;
  throw new ScsiCommandError(o, what);
}

export interface RwOptions { fua?: boolean; blockSize?: number; timeoutMs?: number }
const bs = (o?: RwOptions): number => o?.blockSize ?? 512;
const tmo = (o?: { timeoutMs?: number }): { timeoutMs?: number } => (o?.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {});

export async function testUnitReady(s: ScsiExecutor, lun: number): Promise<void> {
  await run(s, lun, 'TEST UNIT READY', { cdb: testUnitReadyCdb() });
}

export async function inquiry(s: ScsiExecutor, lun: number): Promise<StandardInquiry & { raw: Buffer }> {
  const d = await run(s, lun, 'INQUIRY', { cdb: inquiryCdb(96), dataInLength: 96 });
  return { ...parseStandardInquiry(d), raw: d };
}

export async function inquiryVpd(s: ScsiExecutor, lun: number, page: number, alloc = 1024): Promise<Buffer> {
  return run(s, lun, `INQUIRY VPD 0x${page.toString(16)}`, { cdb: inquiryCdb(alloc, page), dataInLength: alloc });
}

export async function deviceIdentification(s: ScsiExecutor, lun: number): Promise<DeviceIdentification> {
  return parseDeviceIdentification(await inquiryVpd(s, lun, 0x83));
}

export async function unitSerial(s: ScsiExecutor, lun: number): Promise<string> {
  return parseUnitSerial(await inquiryVpd(s, lun, 0x80, 255));
}

export async function readCapacity16(s: ScsiExecutor, lun: number): Promise<Capacity16> {
  return parseCapacity16(await run(s, lun, 'READ CAPACITY (16)', { cdb: readCapacity16Cdb(32), dataInLength: 32 }));
}

export async function read16(s: ScsiExecutor, lun: number, lba: number, blocks: number, o?: RwOptions): Promise<Buffer> {
  return run(s, lun, 'READ (16)', { cdb: rw16Cdb(false, lba, blocks, o?.fua), dataInLength: blocks * bs(o), ...tmo(o) });
}

export async function write16(s: ScsiExecutor, lun: number, lba: number, data: Buffer, o?: RwOptions): Promise<void> {
  await run(s, lun, 'WRITE (16)', { cdb: rw16Cdb(true, lba, data.length / bs(o), o?.fua), dataOut: data, ...tmo(o) });
}

export async function read10(s: ScsiExecutor, lun: number, lba: number, blocks: number, o?: RwOptions): Promise<Buffer> {
  return run(s, lun, 'READ (10)', { cdb: rw10Cdb(false, lba, blocks, o?.fua), dataInLength: blocks * bs(o), ...tmo(o) });
}

export async function write10(s: ScsiExecutor, lun: number, lba: number, data: Buffer, o?: RwOptions): Promise<void> {
  await run(s, lun, 'WRITE (10)', { cdb: rw10Cdb(true, lba, data.length / bs(o), o?.fua), dataOut: data, ...tmo(o) });
}

/** COMPARE AND WRITE: `compare` and `write` are each blocks*blockSize bytes; a miscompare throws with sense key MISCOMPARE. */
export async function compareAndWrite(s: ScsiExecutor, lun: number, lba: number, compare: Buffer, write: Buffer, o?: RwOptions): Promise<void> {
  const blocks = compare.length / bs(o);
  await run(s, lun, 'COMPARE AND WRITE', { cdb: compareAndWriteCdb(lba, blocks, o?.fua), dataOut: Buffer.concat([compare, write]), ...tmo(o) });
}

export async function synchronizeCache16(s: ScsiExecutor, lun: number, lba = 0, blocks = 0): Promise<void> {
  await run(s, lun, 'SYNCHRONIZE CACHE (16)', { cdb: synchronizeCache16Cdb(lba, blocks) });
}

export async function unmap(s: ScsiExecutor, lun: number, ranges: ReadonlyArray<{ lba: number; blocks: number }>): Promise<void> {
  const u = unmapCdb(ranges);
  await run(s, lun, 'UNMAP', { cdb: u.cdb, dataOut: u.data });
}

/** GET LBA STATUS: raw parameter data (SBC-4 §5.6.2). */
export async function getLbaStatus(s: ScsiExecutor, lun: number, lba: number, alloc = 4096): Promise<Array<{ lba: number; blocks: number; status: number }>> {
  const d = await run(s, lun, 'GET LBA STATUS', { cdb: getLbaStatusCdb(lba, alloc), dataInLength: alloc });
  const out: Array<{ lba: number; blocks: number; status: number }> = [];
  const end = d.length >= 4 ? Math.min(d.length, 4 + d.readUInt32BE(0)) : 0;
  for (let o = 8; o + 16 <= end; o += 16) out.push({ lba: Number(d.readBigUInt64BE(o)), blocks: d.readUInt32BE(o + 8), status: d[o + 12]! & 0x0f });
  return out;
}

export async function reportLuns(s: ScsiExecutor, lun = 0): Promise<number[]> {
  return parseReportLuns(await run(s, lun, 'REPORT LUNS', { cdb: reportLunsCdb(16384), dataInLength: 16384 }));
}

export async function reportTargetPortGroups(s: ScsiExecutor, lun: number): Promise<{ groups: TargetPortGroupDescriptor[] }> {
  return parseReportTargetPortGroups(await run(s, lun, 'REPORT TARGET PORT GROUPS', { cdb: reportTargetPortGroupsCdb(4096), dataInLength: 4096 }));
}

export async function setTargetPortGroups(s: ScsiExecutor, lun: number, groups: ReadonlyArray<{ id: number; state: AluaStateName }>): Promise<void> {
  const c = setTargetPortGroupsCdb(groups);
  await run(s, lun, 'SET TARGET PORT GROUPS', { cdb: c.cdb, dataOut: c.data });
}

/** PR IN: service action 0 READ KEYS, 1 READ RESERVATION, 2 REPORT CAPABILITIES, 3 READ FULL STATUS. */
export async function persistentReserveIn(s: ScsiExecutor, lun: number, serviceAction: number, alloc = 8192): Promise<PrInResult> {
  const d = await run(s, lun, 'PERSISTENT RESERVE IN', { cdb: persistentReserveInCdb(serviceAction, alloc), dataInLength: alloc });
  return parsePersistentReserveIn(serviceAction, d);
}

/** PR OUT: service action 0 REGISTER, 1 RESERVE, 2 RELEASE, 3 CLEAR, 4 PREEMPT, 5 PREEMPT AND ABORT, 6 REGISTER AND IGNORE. */
export async function persistentReserveOut(s: ScsiExecutor, lun: number, serviceAction: number, p: PrOutParams): Promise<void> {
  const c = persistentReserveOutCdb(serviceAction, p);
  await run(s, lun, 'PERSISTENT RESERVE OUT', { cdb: c.cdb, dataOut: c.data });
}

export const scsi = {
  testUnitReady, inquiry, inquiryVpd, deviceIdentification, unitSerial, readCapacity16, read16, write16, read10, write10,
  compareAndWrite, synchronizeCache16, unmap, getLbaStatus, reportLuns, reportTargetPortGroups, setTargetPortGroups,
  persistentReserveIn, persistentReserveOut,
} as const;
