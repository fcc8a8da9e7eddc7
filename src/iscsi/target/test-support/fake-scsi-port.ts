/**
 * A tiny ScsiTargetPort over a MemoryDevice, for the transport's tests only (the real SCSI
 * core lives in src/scsi). Handles TEST UNIT READY, INQUIRY (standard, VPD 00h/80h/83h),
 * READ CAPACITY (10)/(16), READ/WRITE (10)/(16), REPORT LUNS, MODE SENSE (6),
 * SYNCHRONIZE CACHE; anything else is CHECK CONDITION / INVALID COMMAND OPERATION CODE.
 * Only LUN 0 exists.
 */
import { MemoryDevice } from '../../../block/memory-device.js';
import { buildSense, checkCondition } from '../../../scsi/sense.js';
import { Status, TmfFunction, TmfResult, type ItNexus, type ScsiCommand, type ScsiResponse, type ScsiTargetPort, type TmfRequest, type TmfResultValue } from '../../../scsi/types.js';

export class FakeScsiPort implements ScsiTargetPort {
  readonly device: MemoryDevice;
  readonly nexuses = new Map<string, ItNexus>();
  readonly log: string[] = [];
  /** Commands in flight, by tag; a test may hold them with `gate`. */
  readonly inFlight = new Map<number, { resolve: (r: ScsiResponse) => void }>();
  executed = 0;
  /** When set, execute() waits for this promise before running (to test aborts). */
  gate: Promise<void> | undefined;

  constructor(sizeBytes = 64 * 1024 * 1024, readonly blockSize = 512) {
    this.device = new MemoryDevice(blockSize, sizeBytes);
  }

  nexusCreated(n: ItNexus): void {
    this.nexuses.set(n.id, n);
    this.log.push(`created ${n.id}`);
  }
  nexusLost(n: ItNexus): void {
    this.nexuses.delete(n.id);
    this.log.push(`lost ${n.id}`);
  }
  lunsFor(): number[] {
    return [0];
  }

  async taskManagement(req: TmfRequest): Promise<TmfResultValue> {
    this.log.push(`tmf ${req.fn} lun ${req.lun}`);
    if (req.lun !== 0 && req.fn !== TmfFunction.TargetWarmReset && req.fn !== TmfFunction.TargetColdReset) return TmfResult.LunDoesNotExist;
    if (req.fn === TmfFunction.AbortTask) {
      const t = req.referencedTag === undefined ? undefined : this.inFlight.get(req.referencedTag);
      if (!t) return TmfResult.TaskDoesNotExist;
      t.resolve({ status: Status.TaskAborted, aborted: true });
      return TmfResult.Complete;
    }
    for (const t of this.inFlight.values()) t.resolve({ status: Status.TaskAborted, aborted: true });
    return TmfResult.Complete;
  }

  execute(cmd: ScsiCommand): Promise<ScsiResponse> {
    this.executed++;
    return new Promise<ScsiResponse>((resolve) => {
      let done = false;
      const finish = (r: ScsiResponse): void => {
        if (done) return;
        done = true;
        this.inFlight.delete(cmd.tag);
        resolve(r);
      };
      this.inFlight.set(cmd.tag, { resolve: finish });
      const run = (): void => {
        this.run(cmd).then(finish, () => finish({ status: Status.CheckCondition, sense: buildSense('InternalTargetFailure') }));
      };
      if (this.gate) this.gate.then(run);
      else run();
    });
  }

  private get blocks(): number {
    return this.device.sizeBytes / this.blockSize;
  }

  private async run(cmd: ScsiCommand): Promise<ScsiResponse> {
    const c = cmd.cdb;
    const op = c[0]!;
    if (cmd.lun !== 0 && op !== 0xa0 && op !== 0x12) return checkCondition('LunNotSupported');
    switch (op) {
      case 0x00: // TEST UNIT READY
        return { status: Status.Good };
      case 0x12:
        return this.inquiry(cmd);
      case 0x25: {
        const b = Buffer.alloc(8);
        b.writeUInt32BE(Math.min(this.blocks - 1, 0xffffffff), 0);
        b.writeUInt32BE(this.blockSize, 4);
        return { status: Status.Good, dataIn: b, transferLength: 8 };
      }
      case 0x9e: {
        if ((c[1]! & 0x1f) !== 0x10) return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte: 1 } });
        const alloc = c.readUInt32BE(10);
        const b = Buffer.alloc(32);
        b.writeBigUInt64BE(BigInt(this.blocks - 1), 0);
        b.writeUInt32BE(this.blockSize, 8);
        return { status: Status.Good, dataIn: b.subarray(0, Math.min(32, alloc)), transferLength: Math.min(32, alloc) };
      }
      case 0x28:
      case 0x88: {
        const lba = op === 0x28 ? c.readUInt32BE(2) : Number(c.readBigUInt64BE(2));
        const n = op === 0x28 ? c.readUInt16BE(7) : c.readUInt32BE(10);
        if (lba + n > this.blocks) return checkCondition('LbaOutOfRange');
        const dataIn = await this.device.read(lba * this.blockSize, n * this.blockSize);
        return { status: Status.Good, dataIn, transferLength: n * this.blockSize };
      }
      case 0x2a:
      case 0x8a: {
        const lba = op === 0x2a ? c.readUInt32BE(2) : Number(c.readBigUInt64BE(2));
        const n = op === 0x2a ? c.readUInt16BE(7) : c.readUInt32BE(10);
        const len = n * this.blockSize;
        if (lba + n > this.blocks) return checkCondition('LbaOutOfRange');
        // Write only what both the CDB and the iSCSI EDTL cover (libiscsi iSCSIResiduals).
        const data = cmd.dataOut ?? Buffer.alloc(0);
        const n2 = Math.floor(Math.min(len, data.length) / this.blockSize) * this.blockSize;
        if (n2 > 0) await this.device.write(lba * this.blockSize, data.length === n2 ? data : data.subarray(0, n2));
        return { status: Status.Good, transferLength: len };
      }
      case 0xa0: {
        const alloc = c.readUInt32BE(6);
        const b = Buffer.alloc(16);
        b.writeUInt32BE(8, 0);
        return { status: Status.Good, dataIn: b.subarray(0, Math.min(16, alloc)), transferLength: Math.min(16, alloc) };
      }
      case 0x1a: {
        const b = Buffer.from([3, 0, 0, 0]);
        return { status: Status.Good, dataIn: b.subarray(0, Math.min(4, c[4]!)) };
      }
      case 0x35:
      case 0x91:
        return { status: Status.Good };
      default:
        return checkCondition('InvalidOpcode', { fieldPointer: { cdb: true, byte: 0 } });
    }
  }

  private inquiry(cmd: ScsiCommand): ScsiResponse {
    const c = cmd.cdb;
    const alloc = c.readUInt16BE(3);
    const pqual = cmd.lun === 0 ? 0x00 : 0x7f;
    let d: Buffer;
    if (c[1]! & 1) {
      const page = c[2]!;
      if (page === 0x00) d = Buffer.from([pqual, 0x00, 0, 3, 0x00, 0x80, 0x83]);
      else if (page === 0x80) d = Buffer.concat([Buffer.from([pqual, 0x80, 0, 8]), Buffer.from('FAKE0001')]);
      else if (page === 0x83) {
        const naa = Buffer.from('6001405000000000000000000000a001', 'hex');
        d = Buffer.concat([Buffer.from([pqual, 0x83, 0, 20, 0x01, 0x03, 0x00, 16]), naa]);
      } else return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte: 2 } });
    } else {
      if (c[2] !== 0) return checkCondition('InvalidFieldInCdb', { fieldPointer: { cdb: true, byte: 2 } });
      d = Buffer.alloc(36, 0x20);
      d[0] = pqual;
      d[1] = 0;
      d[2] = 0x06;
      d[3] = 0x02;
      d[4] = 31;
      d[5] = 0;
      d[6] = 0;
      d[7] = 0x02;
      d.write('TANDEM  ', 8, 'ascii');
      d.write('FAKE DISK       ', 16, 'ascii');
      d.write('0001', 32, 'ascii');
    }
    const out = d.subarray(0, Math.min(d.length, alloc));
    return { status: Status.Good, dataIn: out, transferLength: out.length };
  }
}
