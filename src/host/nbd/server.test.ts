import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryDevice } from '../../block/memory-device.js';
import type { BlockDevice } from '../../block/block-device.js';
import { Cmd, CmdFlag, Info, NbdErr, Opt, Rep, TxFlag } from './constants.js';
import { NbdExportRegistry } from './exports.js';
import { NbdServer } from './server.js';
import { RawNbdClient, goData } from './test-support/raw-nbd-client.js';

const dir = mkdtempSync(join(tmpdir(), 'nbd-test-'));
const servers = new Set<NbdServer>();
// A failed assertion must not leave a server listening (the run would never end).
after(async () => {
  RawNbdClient.closeAll();
  await Promise.all([...servers].map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(devs: Record<string, BlockDevice>, opts: { readOnly?: string[] } = {}) {
  const exports = new NbdExportRegistry();
  for (const [name, device] of Object.entries(devs)) exports.set({ name, device, readOnly: opts.readOnly?.includes(name) });
  const server = new NbdServer({ exports });
  servers.add(server);
  const sock = join(dir, `s${Math.random().toString(36).slice(2)}.sock`);
  await server.listen({ tcp: '127.0.0.1:0', unix: sock });
  return { server, port: server.tcpAddress!.port, sock, exports };
}

async function handshake(c: RawNbdClient, flags = 3): Promise<void> {
  const g = await c.read(18);
  assert.equal(g.toString('latin1', 0, 16), 'NBDMAGICIHAVEOPT');
  assert.equal(g.readUInt16BE(16), 3); // FIXED_NEWSTYLE | NO_ZEROES
  const f = Buffer.alloc(4);
  f.writeUInt32BE(flags, 0);
  c.write(f);
}

/** Handshake + NBD_OPT_GO; returns the NBD_INFO_EXPORT size and flags. */
async function go(c: RawNbdClient, name: string): Promise<{ size: bigint; flags: number; block: number[] | undefined }> {
  await handshake(c);
  c.option(Opt.GO, goData(name, [Info.BLOCK_SIZE]));
  let size = 0n;
  let flags = 0;
  let block: number[] | undefined;
  for (;;) {
    const r = await c.optionReply();
    if (r.type === Rep.ACK) break;
    assert.equal(r.type, Rep.INFO);
    const t = r.data.readUInt16BE(0);
    if (t === Info.EXPORT) {
      size = r.data.readBigUInt64BE(2);
      flags = r.data.readUInt16BE(10);
    } else if (t === Info.BLOCK_SIZE) block = [r.data.readUInt32BE(2), r.data.readUInt32BE(6), r.data.readUInt32BE(10)];
  }
  return { size, flags, block };
}

test('option haggling: LIST, INFO of an unknown export, unsupported options, GO with block sizes', async () => {
  const { server, port } = await startServer({ a: new MemoryDevice(512, 1 << 20), b: new MemoryDevice(4096, 1 << 21) });
  const c = await RawNbdClient.open({ port });
  await handshake(c);
  c.option(Opt.LIST);
  const names: string[] = [];
  for (let r = await c.optionReply(); r.type !== Rep.ACK; r = await c.optionReply()) {
    assert.equal(r.type, Rep.SERVER);
    names.push(r.data.toString('utf8', 4, 4 + r.data.readUInt32BE(0)));
  }
  assert.deepEqual(names.sort(), ['a', 'b']);
  c.option(Opt.INFO, goData('nope'));
  assert.equal((await c.optionReply()).type, Rep.ERR_UNKNOWN);
  c.option(Opt.STRUCTURED_REPLY);
  assert.equal((await c.optionReply()).type, Rep.ERR_UNSUP);
  c.option(Opt.STARTTLS);
  assert.equal((await c.optionReply()).type, Rep.ERR_UNSUP);
  c.option(999);
  assert.equal((await c.optionReply()).type, Rep.ERR_UNSUP);
  c.option(Opt.INFO, Buffer.from([0, 0, 0, 9, 1])); // malformed
  assert.equal((await c.optionReply()).type, Rep.ERR_INVALID);
  c.option(Opt.LIST, Buffer.from('x'));
  assert.equal((await c.optionReply()).type, Rep.ERR_INVALID);
  c.option(Opt.GO, goData('b', [Info.BLOCK_SIZE, Info.NAME]));
  const infos = new Map<number, Buffer>();
  for (let r = await c.optionReply(); r.type !== Rep.ACK; r = await c.optionReply()) infos.set(r.data.readUInt16BE(0), r.data);
  assert.equal(infos.get(Info.EXPORT)!.readBigUInt64BE(2), 1n << 21n);
  const fl = infos.get(Info.EXPORT)!.readUInt16BE(10);
  for (const f of [TxFlag.HAS_FLAGS, TxFlag.SEND_FLUSH, TxFlag.SEND_FUA, TxFlag.SEND_TRIM, TxFlag.SEND_WRITE_ZEROES, TxFlag.CAN_MULTI_CONN]) assert.ok(fl & f);
  assert.equal(fl & TxFlag.READ_ONLY, 0);
  assert.equal(infos.get(Info.NAME)!.toString('utf8', 2), 'b');
  const bs = infos.get(Info.BLOCK_SIZE)!;
  assert.deepEqual([bs.readUInt32BE(2), bs.readUInt32BE(6), bs.readUInt32BE(10)], [4096, 4096, 32 * 1024 * 1024]);
  c.request(Cmd.DISC, 1n, 0, 0);
  await c.waitClosed();
  await server.close();
});

test('NBD_OPT_EXPORT_NAME: known export enters transmission (no zero padding), unknown closes', async () => {
  const { server, port } = await startServer({ vol: new MemoryDevice(512, 8192) });
  const c = await RawNbdClient.open({ port });
  await handshake(c);
  c.option(Opt.EXPORT_NAME, Buffer.from('vol'));
  const r = await c.read(10);
  assert.equal(r.readBigUInt64BE(0), 8192n);
  c.request(Cmd.READ, 42n, 0, 512);
  assert.deepEqual(await c.reply(), { error: 0, handle: 42n });
  assert.deepEqual(await c.read(512), Buffer.alloc(512));
  c.close();
  const d = await RawNbdClient.open({ port });
  await handshake(d, 1); // no NO_ZEROES: 124 zero bytes follow
  d.option(Opt.EXPORT_NAME, Buffer.from('vol'));
  assert.equal((await d.read(134)).readBigUInt64BE(0), 8192n);
  d.close();
  const e = await RawNbdClient.open({ port });
  await handshake(e);
  e.option(Opt.EXPORT_NAME, Buffer.from('missing'));
  await e.waitClosed();
  await server.close();
});

test('bad client input closes only that connection: unknown client flags, garbage, bad request magic', async () => {
  const { server, port, sock } = await startServer({ vol: new MemoryDevice(512, 8192) });
  const a = await RawNbdClient.open({ port });
  await handshake(a, 0x80);
  await a.waitClosed();
  const b = await RawNbdClient.open({ path: sock });
  await handshake(b);
  b.write(Buffer.from('this is not an NBD option at all'));
  await b.waitClosed();
  const c = await RawNbdClient.open({ port });
  await go(c, 'vol');
  c.write(Buffer.alloc(28, 0xff));
  await c.waitClosed();
  const d = await RawNbdClient.open({ port });
  await handshake(d);
  d.option(Opt.ABORT);
  assert.equal((await d.optionReply()).type, Rep.ACK);
  await d.waitClosed();
  const ok = await RawNbdClient.open({ path: sock });
  assert.equal((await go(ok, '')).size, 8192n); // the only export is the default one
  ok.close();
  await server.close();
});

class SpyDevice extends MemoryDevice {
  fuaWrites = 0;
  flushes = 0;
  discards: Array<[number, number]> = [];
  failAt: number | undefined;
  delay: (offset: number) => number = () => 0;
  override async write(offset: number, data: Buffer, opts?: { fua?: boolean }): Promise<void> {
    await new Promise((r) => setTimeout(r, this.delay(offset)));
    if (this.failAt === offset) throw new Error('medium error');
    if (opts?.fua) this.fuaWrites++;
    return super.write(offset, data);
  }
  override async flush(): Promise<void> {
    this.flushes++;
  }
  override async discard(offset: number, length: number): Promise<void> {
    this.discards.push([offset, length]);
    return super.discard(offset, length);
  }
}

test('transmission: pipelined I/O, FUA, FLUSH, TRIM aligned to blocks, WRITE_ZEROES, unaligned RMW, errors', async () => {
  const dev = new SpyDevice(512, 1 << 20);
  const { server, port } = await startServer({ vol: dev, ro: new MemoryDevice(512, 4096) }, { readOnly: ['ro'] });
  const c = await RawNbdClient.open({ port });
  const { flags, block } = await go(c, 'vol');
  assert.ok(flags & TxFlag.SEND_TRIM);
  assert.deepEqual(block, [512, 4096, 32 * 1024 * 1024]);
  const pat = Buffer.alloc(8192, 0xab);
  c.request(Cmd.WRITE, 1n, 0, 8192, CmdFlag.FUA, pat);
  c.request(Cmd.WRITE, 2n, 100, 3, 0, Buffer.from('xyz')); // unaligned: read-modify-write
  c.request(Cmd.FLUSH, 3n, 0, 0);
  c.request(Cmd.READ, 4n, 98, 7);
  const got = new Map<bigint, number>();
  for (let i = 0; i < 3; i++) {
    const r = await c.reply();
    got.set(r.handle, r.error);
    if (r.handle === 4n) assert.deepEqual(await c.read(7), Buffer.from([0xab, 0xab, 0x78, 0x79, 0x7a, 0xab, 0xab]));
  }
  const r4 = await c.reply();
  got.set(r4.handle, r4.error);
  if (r4.handle === 4n) assert.deepEqual(await c.read(7), Buffer.from([0xab, 0xab, 0x78, 0x79, 0x7a, 0xab, 0xab]));
  assert.deepEqual([...got.entries()].sort(), [[1n, 0], [2n, 0], [3n, 0], [4n, 0]]);
  assert.equal(dev.fuaWrites, 1);
  assert.equal(dev.flushes, 1);

  c.request(Cmd.TRIM, 5n, 100, 1500); // whole blocks inside: 512..1536
  assert.deepEqual(await c.reply(), { error: 0, handle: 5n });
  assert.deepEqual(dev.discards, [[512, 1024]]);
  c.request(Cmd.WRITE_ZEROES, 6n, 10, 4000);
  assert.deepEqual(await c.reply(), { error: 0, handle: 6n });
  const after = await dev.read(0, 8192);
  assert.ok(after.subarray(10, 4010).equals(Buffer.alloc(4000)));
  assert.equal(after[9], 0xab);
  assert.equal(after[4010], 0xab);

  c.request(Cmd.READ, 7n, (1 << 20) - 512, 1024); // past the end
  assert.deepEqual(await c.reply(), { error: NbdErr.EINVAL, handle: 7n });
  c.request(Cmd.WRITE, 8n, 1 << 20, 512, 0, Buffer.alloc(512)); // past the end: payload consumed, EINVAL
  assert.deepEqual(await c.reply(), { error: NbdErr.EINVAL, handle: 8n });
  c.request(Cmd.READ, 9n, 2n ** 63n, 512);
  assert.deepEqual(await c.reply(), { error: NbdErr.EINVAL, handle: 9n });
  c.request(Cmd.BLOCK_STATUS, 10n, 0, 512);
  assert.deepEqual(await c.reply(), { error: NbdErr.EINVAL, handle: 10n });
  c.request(Cmd.READ, 11n, 0, 512, CmdFlag.FAST_ZERO);
  assert.deepEqual(await c.reply(), { error: NbdErr.EINVAL, handle: 11n });
  dev.failAt = 4096;
  c.request(Cmd.WRITE, 12n, 4096, 512, 0, Buffer.alloc(512));
  assert.deepEqual(await c.reply(), { error: NbdErr.EIO, handle: 12n });
  c.request(Cmd.READ, 13n, 0, 512);
  assert.deepEqual(await c.reply(), { error: 0, handle: 13n }); // still serving after EIO
  await c.read(512);
  c.request(Cmd.DISC, 14n, 0, 0);
  await c.waitClosed();

  const ro = await RawNbdClient.open({ port });
  assert.ok((await go(ro, 'ro')).flags & TxFlag.READ_ONLY);
  ro.request(Cmd.WRITE, 1n, 0, 512, 0, Buffer.alloc(512));
  assert.deepEqual(await ro.reply(), { error: NbdErr.EPERM, handle: 1n });
  ro.close();
  await server.close();
});

test('overlapping pipelined writes land in the order sent even when the device completes them out of order', async () => {
  const dev = new SpyDevice(512, 1 << 16);
  let n = 0;
  dev.delay = () => (n++ % 2 === 0 ? 20 : 0); // earlier writes are slower
  const { server, port } = await startServer({ vol: dev });
  const c = await RawNbdClient.open({ port });
  await go(c, 'vol');
  for (let i = 1; i <= 6; i++) c.request(Cmd.WRITE, BigInt(i), 0, 1024, 0, Buffer.alloc(1024, i));
  c.request(Cmd.WRITE, 7n, 4096, 512, 0, Buffer.alloc(512, 7)); // independent: may complete first
  c.request(Cmd.READ, 8n, 0, 1024);
  const order: bigint[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await c.reply();
    assert.equal(r.error, 0);
    order.push(r.handle);
    if (r.handle === 8n) assert.deepEqual(await c.read(1024), Buffer.alloc(1024, 6));
  }
  assert.deepEqual(order.filter((h) => h <= 6n), [1n, 2n, 3n, 4n, 5n, 6n]);
  assert.ok(order.indexOf(7n) < order.indexOf(6n), 'a non-overlapping write is not held back');
  c.close();
  await server.close();
});

test('server close waits for requests in flight', async () => {
  const dev = new SpyDevice(512, 1 << 16);
  dev.delay = () => 30;
  const { server, port } = await startServer({ vol: dev });
  const c = await RawNbdClient.open({ port });
  await go(c, 'vol');
  c.request(Cmd.WRITE, 1n, 0, 512, 0, Buffer.alloc(512, 1));
  await new Promise((r) => setTimeout(r, 5));
  const closing = server.close();
  assert.deepEqual(await c.reply(), { error: 0, handle: 1n });
  await closing;
  await c.waitClosed();
});

test('random bytes from many clients (before and after GO) never take the server down', async () => {
  const { server, port } = await startServer({ vol: new MemoryDevice(512, 1 << 16) });
  const fc = (await import('fast-check')).default;
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, afterGo) => {
      const c = await RawNbdClient.open({ port });
      if (afterGo) await go(c, 'vol');
      else await c.read(18);
      c.write(Buffer.from(bytes));
      c.request(Cmd.DISC, 0n, 0, 0);
      await new Promise((r) => setTimeout(r, 2));
      c.close();
    }),
    { numRuns: 60 },
  );
  const ok = await RawNbdClient.open({ port });
  await go(ok, 'vol');
  ok.request(Cmd.READ, 1n, 0, 512);
  assert.deepEqual(await ok.reply(), { error: 0, handle: 1n });
  ok.close();
  await server.close();
});
