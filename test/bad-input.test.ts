// Bad input never kills the array or loses data: random bytes, truncated and malformed
// PDUs on the iSCSI portal, and bad API requests. Prevents a crash of the whole array
// from one misbehaving client.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { requireTools } from './support/peer-tools.js';
import { run } from './support/run.js';
import { startArray, type RunningArray } from './support/tandem.js';

let arr: RunningArray;
before(async () => { arr = await startArray({ controllers: 1 }); });
after(async () => { await arr?.stop(); });

function blast(payload: Buffer, waitMs = 300): Promise<Buffer> {
  const [host, port] = arr.portal.split(':');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(Number(port), host!, () => s.write(payload));
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    const done = () => resolve(Buffer.concat(chunks));
    s.on('close', done);
    setTimeout(() => { s.destroy(); }, waitMs);
  });
}

/** A Login Request BHS (RFC 7143 §11.12) with a given data segment length and no data. */
function loginBhs(dataSegmentLength: number): Buffer {
  const b = Buffer.alloc(48);
  b[0] = 0x43; // I + Login Request
  b[1] = 0x87; // T, CSG=1, NSG=3
  b.writeUIntBE(dataSegmentLength, 5, 3);
  b.writeUInt32BE(1, 16); // ITT
  return b;
}

test('random bytes, truncated PDUs and absurd lengths do not kill the array', async () => {
  for (let i = 0; i < 20; i++) await blast(randomBytes(1 + Math.floor(Math.random() * 4096)), 100);
  await blast(loginBhs(0).subarray(0, 30));
  await blast(loginBhs(0xffffff));
  const unknown = loginBhs(0);
  unknown[0] = 0x1f; // reserved opcode
  await blast(unknown);
  assert.equal(arr.child.exitCode, null, 'the array is still running');
  const h = await fetch(`${arr.apiUrl}/v1/health`);
  assert.equal(h.status, 200);
});

test('after the abuse, a real initiator still logs in and moves data', requireTools('qemu-io', 'qemu-iscsi'), async () => {
  const r = await run('qemu-io', ['-f', 'raw', '-c', 'write -P 0x42 0 128k', '-c', 'read -P 0x42 0 128k', arr.url(0)]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /failed/i);
});

test('the API needs the token and names the bad field', async () => {
  const noToken = await fetch(`${arr.apiUrl}/v1/volumes`);
  assert.equal(noToken.status, 401);
  const bad = await arr.api<{ error: { code: string; message: string; field?: string } }>('POST', '/v1/volumes', { name: 'x', sizeBytes: 'big' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /sizeBytes/);
  const notFound = await arr.api('GET', '/v1/volumes/missing');
  assert.equal(notFound.status, 404);
});
