/**
 * Typed SCSI commands over any executor (an InitiatorSession, or a multipath path):
 * each helper builds the request with the SCSI client codec (scsi/wire), runs it, and
 * returns the parsed data or throws a ScsiCommandError carrying the outcome and the
 * decoded sense (SAM-5 §5.3 status codes: GOOD 00h and CONDITION MET 04h are success;
 * anything else, or a transport error, throws).
 */
import * as wire from '../../scsi/wire/index.js';
import type { ScsiOutcome, ScsiRequest } from './types.js';

export interface ScsiExecutor {
  execute(lun: number, req: ScsiRequest): Promise<ScsiOutcome>;
}

export class ScsiCommandError extends Error {
  readonly code = 'SCSI_COMMAND';
  readonly sense?: wire.DecodedSense;
  constructor(readonly outcome: ScsiOutcome, what: string) {
    let msg: string;
    let sense: wire.DecodedSense | undefined;
    if (outcome.kind === 'transport-error') msg = `${what}: transport error: ${outcome.error.message}`;
    else {
      sense = outcome.sense ? wire.decodeSense(outcome.sense) : undefined;
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
  if (o.kind === 'status' && (o.status === wire.ScsiStatus.Good || o.status === wire.ScsiStatus.ConditionMet)) return o.data;
  throw new ScsiCommandError(o, what);
}

export interface RwOptions { fua?: boolean; blockSize?: number; timeoutMs?: number }
const bs = (o?: RwOptions): number => o?.blockSize ?? 512;
const tmo = (o?: { timeoutMs?: number }): { timeoutMs?: number } => (o?.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {});
const timed = (req: wire.CdbRequest, o?: RwOptions): ScsiRequest => ({ ...req, ...tmo(o) });
/** What READ CAPACITY (16) reports when the data is too short to hold the capacity. */
const NO_CAPACITY: wire.ReadCapacity16 = { blockSize: 0, blockCount: 0, lbpme: false, lbprz: false };

export async function testUnitReady(s: ScsiExecutor, lun: number): Promise<void> {
  await run(s, lun, 'TEST UNIT READY', wire.testUnitReady());
}

export async function inquiry(s: ScsiExecutor, lun: number): Promise<wire.StandardInquiry & { raw: Buffer }> {
  const d = await run(s, lun, 'INQUIRY', wire.inquiry(undefined, 96));
  return { ...wire.parseStandardInquiry(d), raw: d };
}

export async function inquiryVpd(s: ScsiExecutor, lun: number, page: number, alloc = 1024): Promise<Buffer> {
  return run(s, lun, `INQUIRY VPD 0x${page.toString(16)}`, wire.inquiry(page, alloc));
}

export async function deviceIdentification(s: ScsiExecutor, lun: number): Promise<wire.DeviceIdentification> {
  return wire.parseDeviceIdentification(await inquiryVpd(s, lun, 0x83));
}

/** The unit serial number; '' when the LU reports none. */
export async function unitSerial(s: ScsiExecutor, lun: number): Promise<string> {
  return wire.parseUnitSerial(await inquiryVpd(s, lun, 0x80, 255)) ?? '';
}

export async function readCapacity16(s: ScsiExecutor, lun: number): Promise<wire.ReadCapacity16> {
  return wire.parseReadCapacity16(await run(s, lun, 'READ CAPACITY (16)', wire.readCapacity16(32))) ?? NO_CAPACITY;
}

export async function read16(s: ScsiExecutor, lun: number, lba: number, blocks: number, o?: RwOptions): Promise<Buffer> {
  return run(s, lun, 'READ (16)', timed(wire.read16(lba, blocks, bs(o), o?.fua), o));
}

export async function write16(s: ScsiExecutor, lun: number, lba: number, data: Buffer, o?: RwOptions): Promise<void> {
  await run(s, lun, 'WRITE (16)', timed(wire.write16(lba, data, bs(o), o?.fua), o));
}

export async function read10(s: ScsiExecutor, lun: number, lba: number, blocks: number, o?: RwOptions): Promise<Buffer> {
  return run(s, lun, 'READ (10)', timed(wire.read10(lba, blocks, bs(o), o?.fua), o));
}

export async function write10(s: ScsiExecutor, lun: number, lba: number, data: Buffer, o?: RwOptions): Promise<void> {
  await run(s, lun, 'WRITE (10)', timed(wire.write10(lba, data, bs(o), o?.fua), o));
}

/** COMPARE AND WRITE: `compare` and `write` are each blocks*blockSize bytes; a miscompare throws with sense key MISCOMPARE. */
export async function compareAndWrite(s: ScsiExecutor, lun: number, lba: number, compare: Buffer, write: Buffer, o?: RwOptions): Promise<void> {
  await run(s, lun, 'COMPARE AND WRITE', timed(wire.compareAndWrite(lba, compare, write, bs(o), o?.fua), o));
}

export async function synchronizeCache16(s: ScsiExecutor, lun: number, lba = 0, blocks = 0): Promise<void> {
  await run(s, lun, 'SYNCHRONIZE CACHE (16)', wire.synchronizeCache16(lba, blocks));
}

export async function unmap(s: ScsiExecutor, lun: number, ranges: ReadonlyArray<{ lba: number; blocks: number }>): Promise<void> {
  await run(s, lun, 'UNMAP', wire.unmap(ranges));
}

/** GET LBA STATUS (SBC-4 §5.7): the LBA status descriptors from `lba` on. */
export async function getLbaStatus(s: ScsiExecutor, lun: number, lba: number, alloc = 4096): Promise<wire.LbaStatusDescriptor[]> {
  return wire.parseGetLbaStatus(await run(s, lun, 'GET LBA STATUS', wire.getLbaStatus(lba, alloc)));
}

export async function reportLuns(s: ScsiExecutor, lun = 0): Promise<number[]> {
  return wire.parseReportLuns(await run(s, lun, 'REPORT LUNS', wire.reportLuns(16384)));
}

/** REPORT TARGET PORT GROUPS; `format` 1 asks for the extended header (implicit transition time). */
export async function reportTargetPortGroups(s: ScsiExecutor, lun: number, format: 0 | 1 = 0): Promise<wire.ReportTargetPortGroups> {
  return wire.parseReportTargetPortGroups(await run(s, lun, 'REPORT TARGET PORT GROUPS', wire.reportTargetPortGroups(4096, format)));
}

export async function setTargetPortGroups(s: ScsiExecutor, lun: number, groups: ReadonlyArray<{ id: number; state: wire.ReportedAluaState }>): Promise<void> {
  await run(s, lun, 'SET TARGET PORT GROUPS', wire.setTargetPortGroups(groups));
}

/** PR IN: service action 0 READ KEYS, 1 READ RESERVATION, 2 REPORT CAPABILITIES, 3 READ FULL STATUS. */
export async function persistentReserveIn(s: ScsiExecutor, lun: number, serviceAction: number, alloc = 8192): Promise<wire.PrInResult> {
  return wire.parsePersistentReserveIn(serviceAction, await run(s, lun, 'PERSISTENT RESERVE IN', wire.persistentReserveIn(serviceAction, alloc)));
}

/** PR OUT: service action 0 REGISTER, 1 RESERVE, 2 RELEASE, 3 CLEAR, 4 PREEMPT, 5 PREEMPT AND ABORT, 6 REGISTER AND IGNORE. */
export async function persistentReserveOut(s: ScsiExecutor, lun: number, serviceAction: number, p: wire.PrOutParams): Promise<void> {
  await run(s, lun, 'PERSISTENT RESERVE OUT', wire.persistentReserveOut(serviceAction, p));
}

export const scsi = {
  testUnitReady, inquiry, inquiryVpd, deviceIdentification, unitSerial, readCapacity16, read16, write16, read10, write10,
  compareAndWrite, synchronizeCache16, unmap, getLbaStatus, reportLuns, reportTargetPortGroups, setTargetPortGroups,
  persistentReserveIn, persistentReserveOut,
} as const;
