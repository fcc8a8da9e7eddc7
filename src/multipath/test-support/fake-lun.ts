/**
 * A fake logical unit for multipath tests: one block store (the in-memory model that
 * property tests check against), ALUA states per target port group, pending unit
 * attentions per I_T nexus, explicit ALUA (SET TARGET PORT GROUPS) and bad blocks.
 * Command semantics follow SPC-4 §5.16 (ALUA) closely enough for a host to be tested;
 * it is a test double, not a target. FakePath (fake-path.ts) is one nexus to it.
 */
import { ALUA_STATE_CODE, stpgStateOfCode, type AluaStateName } from '../../scsi/wire/index.js';
import type { ScsiOutcome, ScsiRequest } from '../path-transport.js';

export interface FakeLunOptions {
  blockSize?: number;
  blockCount?: number;
  /** NAA designator hex; omit to test the serial fallback. */
  naa?: string;
  serial?: string;
  vendor?: string;
  product?: string;
  /** TPGS field of standard INQUIRY: 1 implicit, 2 explicit, 3 both (default), 0 no ALUA. */
  tpgs?: number;
  groups: Array<{ id: number; state: AluaStateName; pref?: boolean }>;
  thin?: boolean;
  /** What STPG does to groups other than the one made active/optimized. Default 'standby'. */
  stpgOthers?: AluaStateName;
}

/** A nexus as the LUN sees it: where UAs are queued and which port group it is on. */
export interface FakeNexus {
  readonly tpg: number;
  readonly relPort: number;
  readonly portName: string;
  pendingUA: Array<[number, number]>;
}

export function senseFixed(key: number, asc: number, ascq: number): Buffer {
  const b = Buffer.alloc(18);
  b[0] = 0x70;
  b[2] = key;
  b[7] = 10;
  b[12] = asc;
  b[13] = ascq;
  return b;
}

export function check(key: number, asc: number, ascq: number): ScsiOutcome {
  return { kind: 'status', status: 0x02, sense: senseFixed(key, asc, ascq), data: Buffer.alloc(0), residual: 0, overflow: false };
}

function good(data: Buffer = Buffer.alloc(0), want = data.length): ScsiOutcome {
  const d = data.subarray(0, Math.min(data.length, want));
  return { kind: 'status', status: 0, data: d, residual: Math.max(0, want - data.length), overflow: false };
}

export class FakeLun {
  readonly blockSize: number;
  blockCount: number;
  readonly opts: FakeLunOptions;
  readonly groupState = new Map<number, AluaStateName>();
  readonly pref = new Map<number, boolean>();
  readonly nexuses = new Set<FakeNexus>();
  readonly badBlocks = new Set<number>();
  /** Every command the LUN executed: [tpg, opcode]. */
  readonly log: Array<{ port: string; op: number; lba?: number }> = [];
  private blocks = new Map<number, Buffer>();

  constructor(opts: FakeLunOptions) {
    this.opts = opts;
    this.blockSize = opts.blockSize ?? 512;
    this.blockCount = opts.blockCount ?? 2048;
    for (const g of opts.groups) {
      this.groupState.set(g.id, g.state);
      this.pref.set(g.id, g.pref ?? false);
    }
  }

  /** Change a group's state and queue UA 2Ah/06h on every nexus (SPC-4 §5.16.2.3). */
  setGroupState(tpg: number, state: AluaStateName, opts: { ua?: boolean } = {}): void {
    this.groupState.set(tpg, state);
    if (opts.ua !== false) this.queueUA(0x2a, 0x06);
  }

  setCapacity(blocks: number): void {
    this.blockCount = blocks;
    this.queueUA(0x2a, 0x09);
  }

  queueUA(asc: number, ascq: number, except?: FakeNexus): void {
    for (const n of this.nexuses) if (n !== except) n.pendingUA.push([asc, ascq]);
  }

  readBlock(lba: number): Buffer {
    return this.blocks.get(lba) ?? Buffer.alloc(this.blockSize);
  }

  writeBlocks(lba: number, data: Buffer): void {
    for (let i = 0; i < data.length / this.blockSize; i++) this.blocks.set(lba + i, Buffer.from(data.subarray(i * this.blockSize, (i + 1) * this.blockSize)));
  }

  /** Execute one command arriving through `nexus`. Synchronous: the fake path adds delays. */
  execute(nexus: FakeNexus, req: ScsiRequest): ScsiOutcome {
    const cdb = req.cdb;
    const op = cdb[0]!;
    const sa = cdb[1]! & 0x1f;
    const want = req.dataInLength ?? 0;
    // INQUIRY and REPORT LUNS neither report nor clear a unit attention (SAM-5, unit attention conditions).
    if (op !== 0x12 && op !== 0xa0 && nexus.pendingUA.length > 0) {
      const [asc, ascq] = nexus.pendingUA.shift()!;
      return check(0x6, asc, ascq);
    }
    const state = this.groupState.get(nexus.tpg) ?? 'unavailable';
    const anyState = op === 0x12 || op === 0xa0 || op === 0xa3 || (op === 0xa4 && sa === 0x0a);
    const standbyOk = anyState || (op === 0x9e && sa === 0x10);
    if (!anyState && state !== 'active-optimized' && state !== 'active-non-optimized') {
      if (state === 'transitioning') return check(0x2, 0x04, 0x0a);
      if (state === 'standby' && !standbyOk) return check(0x2, 0x04, 0x0b);
      if (state !== 'standby') return check(0x2, 0x04, 0x0c);
    }
    this.log.push({ port: nexus.portName, op });
    switch (op) {
      case 0x00:
        return good();
      case 0x12:
        return this.inquiry(nexus, cdb, want);
      case 0x9e:
        if (sa === 0x10) return good(this.capacityData(), want);
        if (sa === 0x12) return good(this.lbaStatus(Number(cdb.readBigUInt64BE(2))), want);
        return check(0x5, 0x24, 0x00);
      case 0x88:
      case 0x8a: {
        const lba = Number(cdb.readBigUInt64BE(2));
        const blocks = cdb.readUInt32BE(10);
        this.log[this.log.length - 1]!.lba = lba;
        if (lba + blocks > this.blockCount) return check(0x5, 0x21, 0x00);
        if (op === 0x8a) {
          this.writeBlocks(lba, req.dataOut ?? Buffer.alloc(0));
          return good();
        }
        for (let i = 0; i < blocks; i++) if (this.badBlocks.has(lba + i)) return check(0x3, 0x11, 0x00);
        const out = Buffer.alloc(blocks * this.blockSize);
        for (let i = 0; i < blocks; i++) this.readBlock(lba + i).copy(out, i * this.blockSize);
        return good(out, want);
      }
      case 0x91:
        return good();
      case 0x42: {
        const p = req.dataOut ?? Buffer.alloc(0);
        for (let off = 8; off + 16 <= p.length; off += 16) {
          const lba = Number(p.readBigUInt64BE(off));
          const n = p.readUInt32BE(off + 8);
          for (let i = 0; i < n; i++) this.blocks.delete(lba + i);
        }
        return good();
      }
      case 0xa3:
        if (sa !== 0x0a) return check(0x5, 0x24, 0x00);
        return good(this.rtpgData(), want);
      case 0xa4:
        if (sa !== 0x0a || ((this.opts.tpgs ?? 3) & 2) === 0) return check(0x5, 0x20, 0x00);
        return this.stpg(nexus, req.dataOut ?? Buffer.alloc(0));
      default:
        return check(0x5, 0x20, 0x00);
    }
  }

  private inquiry(nexus: FakeNexus, cdb: Buffer, want: number): ScsiOutcome {
    if ((cdb[1]! & 1) === 0) {
      const d = Buffer.alloc(96, 0x20);
      d.fill(0, 0, 8);
      d[2] = 6;
      d[3] = 2;
      d[4] = 91;
      d[5] = ((this.opts.tpgs ?? 3) & 3) << 4;
      d.write((this.opts.vendor ?? 'TANDEM').padEnd(8), 8, 'latin1');
      d.write((this.opts.product ?? 'FAKE LUN').padEnd(16), 16, 'latin1');
      d.write('0001', 32, 'latin1');
      return good(d, want);
    }
    if (cdb[2] === 0x80) {
      if (!this.opts.serial) return check(0x5, 0x24, 0x00);
      const s = Buffer.from(this.opts.serial, 'latin1');
      const h = Buffer.from([0, 0x80, 0, s.length]);
      return good(Buffer.concat([h, s]), want);
    }
    if (cdb[2] === 0x83) {
      const descs: Buffer[] = [];
      const desc = (codeSet: number, assoc: number, type: number, v: Buffer): Buffer => Buffer.concat([Buffer.from([codeSet, (assoc << 4) | type, 0, v.length]), v]);
      const u16 = (n: number): Buffer => Buffer.from([0, 0, n >> 8, n & 0xff]);
      if (this.opts.naa) descs.push(desc(1, 0, 3, Buffer.from(this.opts.naa, 'hex')));
      descs.push(desc(3, 1, 8, Buffer.from(nexus.portName + '\0\0\0\0'.slice(0, 4 - (nexus.portName.length % 4)), 'utf8')));
      descs.push(desc(1, 1, 4, u16(nexus.relPort)));
      if ((this.opts.tpgs ?? 3) !== 0) descs.push(desc(1, 1, 5, u16(nexus.tpg)));
      const body = Buffer.concat(descs);
      const h = Buffer.from([0, 0x83, body.length >> 8, body.length & 0xff]);
      return good(Buffer.concat([h, body]), want);
    }
    return check(0x5, 0x24, 0x00);
  }

  private capacityData(): Buffer {
    const d = Buffer.alloc(32);
    d.writeBigUInt64BE(BigInt(this.blockCount - 1), 0);
    d.writeUInt32BE(this.blockSize, 8);
    if (this.opts.thin) d[14] = 0xc0;
    return d;
  }

  private lbaStatus(lba: number): Buffer {
    const descs: Buffer[] = [];
    let start = lba;
    while (start < this.blockCount && descs.length < 32) {
      const mapped = this.blocks.has(start);
      let end = start + 1;
      while (end < this.blockCount && this.blocks.has(end) === mapped) end++;
      const d = Buffer.alloc(16);
      d.writeBigUInt64BE(BigInt(start), 0);
      d.writeUInt32BE(end - start, 8);
      d[12] = mapped ? 0 : 1;
      descs.push(d);
      start = end;
    }
    const body = Buffer.concat(descs);
    const h = Buffer.alloc(8);
    h.writeUInt32BE(body.length + 4, 0);
    return Buffer.concat([h, body]);
  }

  private rtpgData(): Buffer {
    const descs: Buffer[] = [];
    for (const [id, state] of this.groupState) {
      const ports = [...this.nexuses].filter((n) => n.tpg === id).map((n) => n.relPort);
      const uniq = [...new Set(ports)];
      const d = Buffer.alloc(8 + 4 * uniq.length);
      d[0] = (this.pref.get(id) ? 0x80 : 0) | ALUA_STATE_CODE[state];
      d[1] = 0x8f;
      d.writeUInt16BE(id, 2);
      d[7] = uniq.length;
      uniq.forEach((p, i) => d.writeUInt16BE(p, 8 + 4 * i + 2));
      descs.push(d);
    }
    const body = Buffer.concat(descs);
    const h = Buffer.alloc(4);
    h.writeUInt32BE(body.length, 0);
    return Buffer.concat([h, body]);
  }

  private stpg(nexus: FakeNexus, p: Buffer): ScsiOutcome {
    for (let off = 4; off + 4 <= p.length; off += 4) {
      const state = stpgStateOfCode(p[off]! & 0x0f);
      const id = p.readUInt16BE(off + 2);
      if (!state || !this.groupState.has(id)) return check(0x5, 0x26, 0x00);
      if (state === 'active-optimized') {
        for (const [g, s] of this.groupState) if (g !== id && s === 'active-optimized') this.groupState.set(g, this.opts.stpgOthers ?? 'standby');
      }
      this.groupState.set(id, state);
    }
    // "a unit attention ... for the I_T nexuses other than the one that sent STPG" (SPC-4 §6.42)
    this.queueUA(0x2a, 0x06, nexus);
    return good();
  }
}
