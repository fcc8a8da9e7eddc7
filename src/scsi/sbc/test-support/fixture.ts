/**
 * Test helpers for the SBC handlers: a fake logical unit over MemoryDevice, a simple
 * range lock, and CDB builders. Used only by the SBC handlers' tests (scsi/sbc/*.test.ts).
 */
import { MemoryDevice } from '../../../block/memory-device.js';
import type { CommandContext, LogicalUnitView, LuLock, TargetView } from '../../command-context.js';
import { TaskAttr, type ItNexus, type ScsiResponse } from '../../types.js';
import { decodeSense } from '../../wire/index.js';

/** Range lock: a caller waits until no held range overlaps its own, then holds it. */
export class SimpleLuLock implements LuLock {
  private held: Array<{ lba: number; end: number; done: Promise<void> }> = [];
  async withRange<T>(lba: number, blocks: number, fn: () => Promise<T>): Promise<T> {
    const end = lba + Math.max(blocks, 1);
    for (;;) {
      const clash = this.held.find((h) => h.lba < end && lba < h.end);
      if (!clash) break;
      await clash.done;
    }
    let release!: () => void;
    const entry = { lba, end, done: new Promise<void>((r) => (release = r)) };
    this.held.push(entry);
    try {
      return await fn();
    } finally {
      this.held.splice(this.held.indexOf(entry), 1);
      release();
    }
  }
}

export interface FakeLuOptions {
  blockSize?: number;
  blocks?: number;
  writeProtected?: boolean;
  naa?: Buffer;
  thin?: boolean;
}

export function makeLu(opts: FakeLuOptions = {}): LogicalUnitView & { device: MemoryDevice } {
  const blockSize = opts.blockSize ?? 512;
  const blocks = opts.blocks ?? 4096;
  const device = new MemoryDevice(blockSize, blockSize * blocks);
  return {
    identity: {
      name: 'vol',
      naa: opts.naa ?? Buffer.from('6001405abcdef0123456789abcdef012', 'hex'),
      serial: 'SER1',
      vendor: 'TANDEM',
      product: 'VOLUME',
      revision: '0001',
    },
    device,
    blockSize,
    blockCount: blocks,
    thin: opts.thin ?? true,
    writeProtected: opts.writeProtected ?? false,
    lock: new SimpleLuLock(),
    caching: { wce: true, rcd: false },
  };
}

export const NEXUS: ItNexus = {
  id: 'iqn.init,i,0x1|iqn.tgt,t,0x1',
  initiatorName: 'iqn.init',
  initiatorPort: 'iqn.init,i,0x1',
  targetPort: 'iqn.tgt,t,0x1',
  targetName: 'iqn.tgt',
  relativeTargetPortId: 1,
  targetPortGroupId: 1,
  transportId: Buffer.alloc(0),
};

export function makeTarget(lus: LogicalUnitView[]): TargetView {
  return {
    lunsFor: () => lus.map((_, i) => i),
    findByNaa: (_n, naa) => lus.find((l) => l.identity.naa.equals(naa)),
  };
}

export function makeCtx(
  lu: LogicalUnitView,
  cdb: Buffer | number[],
  dataOut?: Buffer,
  opts: { edtl?: number; target?: TargetView; nexus?: ItNexus } = {},
): CommandContext {
  const c = Buffer.isBuffer(cdb) ? cdb : Buffer.from(cdb);
  return {
    cmd: {
      nexus: opts.nexus ?? NEXUS,
      lun: 0,
      cdb: c,
      tag: 1,
      taskAttr: TaskAttr.Simple,
      expectedDataTransferLength: opts.edtl ?? dataOut?.length ?? 0,
      dataOut,
    },
    lu,
    target: opts.target ?? makeTarget([lu]),
  };
}

/** CDB with a 64-bit LBA at byte 2 and a 32-bit length at byte 10 (16-byte layout). */
export function cdb16(op: number, lba: number | bigint, len: number, byte1 = 0): Buffer {
  const b = Buffer.alloc(16);
  b[0] = op;
  b[1] = byte1;
  b.writeBigUInt64BE(BigInt(lba), 2);
  b.writeUInt32BE(len, 10);
  return b;
}

/** CDB with a 32-bit LBA at byte 2 and a 16-bit length at byte 7 (10-byte layout). */
export function cdb10(op: number, lba: number, len: number, byte1 = 0): Buffer {
  const b = Buffer.alloc(10);
  b[0] = op;
  b[1] = byte1;
  b.writeUInt32BE(lba >>> 0, 2);
  b.writeUInt16BE(len, 7);
  return b;
}

export function cdb12(op: number, lba: number, len: number, byte1 = 0): Buffer {
  const b = Buffer.alloc(12);
  b[0] = op;
  b[1] = byte1;
  b.writeUInt32BE(lba >>> 0, 2);
  b.writeUInt32BE(len, 6);
  return b;
}

/** [key, asc, ascq] of a response, or 'GOOD'/'status=N' when there is no sense. */
export function outcome(r: ScsiResponse): string {
  if (!r.sense) return r.status === 0 ? 'GOOD' : `status=${r.status}`;
  const s = decodeSense(r.sense);
  return `${s.key.toString(16)}/${s.asc.toString(16).padStart(2, '0')}/${s.ascq.toString(16).padStart(2, '0')}`;
}

export const LBA_OOB = '5/21/00';
export const INVALID_CDB = '5/24/00';
export const INVALID_PARAM = '5/26/00';
export const PARAM_LEN_ERR = '5/1a/00';
export const WRITE_PROTECTED = '7/27/00';
export const MISCOMPARE = 'e/1d/00';

export function fill(bytes: number, value: number): Buffer {
  return Buffer.alloc(bytes, value);
}
