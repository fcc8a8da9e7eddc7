/**
 * A minimal NBD client for the NBD server's and the agent's tests: enough to drive
 * the handshake by hand and to pipeline raw requests. Not for production use.
 */
import { connect, type Socket } from 'node:net';
import { IHAVEOPT, REQUEST_MAGIC } from '../constants.js';

export class RawNbdClient {
  private static readonly open_ = new Set<RawNbdClient>();
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  ended = false;

  private constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    RawNbdClient.open_.add(this);
    sock.on('close', () => {
      RawNbdClient.open_.delete(this);
      this.ended = true;
      this.wake();
    });
    sock.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static open(where: { port: number } | { path: string }): Promise<RawNbdClient> {
    return new Promise((resolve, reject) => {
      const s = 'port' in where ? connect(where.port, '127.0.0.1') : connect(where.path);
      s.once('connect', () => resolve(new RawNbdClient(s)));
      s.once('error', reject);
    });
  }

  /** Reads exactly n bytes; rejects when the server closed first. */
  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (this.ended) throw new Error(`connection closed with ${this.buf.length}/${n} bytes`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async waitClosed(): Promise<void> {
    while (!this.ended) await new Promise<void>((r) => this.waiters.push(r));
  }

  write(b: Buffer): void {
    this.sock.write(b);
  }

  option(opt: number, data: Buffer = Buffer.alloc(0)): void {
    const h = Buffer.alloc(16);
    h.writeBigUInt64BE(IHAVEOPT, 0);
    h.writeUInt32BE(opt, 8);
    h.writeUInt32BE(data.length, 12);
    this.write(Buffer.concat([h, data]));
  }

  /** Reads one option reply: { option, type, data }. */
  async optionReply(): Promise<{ option: number; type: number; data: Buffer }> {
    const h = await this.read(20);
    const len = h.readUInt32BE(16);
    return { option: h.readUInt32BE(8), type: h.readUInt32BE(12), data: Buffer.from(await this.read(len)) };
  }

  request(command: number, handle: bigint, offset: bigint | number, length: number, flags = 0, data?: Buffer): void {
    const h = Buffer.alloc(28);
    h.writeUInt32BE(REQUEST_MAGIC, 0);
    h.writeUInt16BE(flags, 4);
    h.writeUInt16BE(command, 6);
    h.writeBigUInt64BE(handle, 8);
    h.writeBigUInt64BE(BigInt(offset), 16);
    h.writeUInt32BE(length, 24);
    this.write(data ? Buffer.concat([h, data]) : h);
  }

  /** Reads one simple reply header: { error, handle }. */
  async reply(): Promise<{ error: number; handle: bigint }> {
    const h = await this.read(16);
    if (h.readUInt32BE(0) !== 0x67446698) throw new Error('bad reply magic');
    return { error: h.readUInt32BE(4), handle: h.readBigUInt64BE(8) };
  }

  close(): void {
    this.sock.destroy();
  }

  /** Destroys every client still open (test cleanup after a failed assertion). */
  static closeAll(): void {
    for (const c of RawNbdClient.open_) c.close();
  }
}

export function goData(name: string, infos: number[] = []): Buffer {
  const n = Buffer.from(name);
  const b = Buffer.alloc(6 + n.length + 2 * infos.length);
  b.writeUInt32BE(n.length, 0);
  n.copy(b, 4);
  b.writeUInt16BE(infos.length, 4 + n.length);
  infos.forEach((t, i) => b.writeUInt16BE(t, 6 + n.length + 2 * i));
  return b;
}
