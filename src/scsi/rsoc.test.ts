import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CDB, fixture, nexus, sense } from './test-support/fixture.js';

const I1 = nexus('iqn.1994-05.com.example:host1');

function descriptors(d: Buffer, rctd: boolean): Array<{ opcode: number; sa: number; servactv: boolean; ctdp: boolean; len: number }> {
  const out = [];
  const end = 4 + d.readUInt32BE(0);
  for (let off = 4; off < end; ) {
    const ctdp = (d[off + 5]! & 0x02) !== 0;
    out.push({ opcode: d[off]!, sa: d.readUInt16BE(off + 2), servactv: (d[off + 5]! & 1) === 1, ctdp, len: d.readUInt16BE(off + 6) });
    if (ctdp) assert.equal(d.readUInt16BE(off + 8), 0x0a);
    off += ctdp ? 20 : 8;
  }
  assert.ok(out.every((x) => x.ctdp === rctd));
  return out;
}

test('RSOC all commands lists exactly the dispatchable rows of the table', async () => {
  const f = fixture();
  const d = (await f.run(I1, CDB.rsoc(0))).dataIn!;
  const listed = descriptors(d, false);
  const rows = f.target.table.all();
  assert.equal(listed.length, rows.length);
  for (const [i, r] of rows.entries()) {
    assert.equal(listed[i]!.opcode, r.opcode);
    assert.equal(listed[i]!.servactv, r.serviceAction !== undefined);
    assert.equal(listed[i]!.sa, r.serviceAction ?? 0);
    assert.equal(listed[i]!.len, r.cdbLength);
  }
  for (const op of [0x00, 0x03, 0x12, 0x1a, 0x5a, 0x15, 0x55, 0xa0, 0x5e, 0x5f, 0x16, 0x17]) assert.ok(listed.some((x) => x.opcode === op), `opcode ${op.toString(16)}`);
  // every listed command dispatches: none answers INVALID COMMAND OPERATION CODE
  for (const x of listed) {
    const cdb = Buffer.alloc(x.len);
    cdb[0] = x.opcode;
    if (x.servactv) cdb[1] = x.sa;
    const r = await f.run(I1, cdb);
    assert.notDeepEqual(sense(r), [5, 0x20, 0], `opcode ${x.opcode.toString(16)}`);
  }
});

test('RSOC RCTD adds a command timeouts descriptor to every command', async () => {
  const f = fixture();
  descriptors((await f.run(I1, CDB.rsoc(0, 0, 0, true))).dataIn!, true);
});

test('RSOC one command: option 1 vs 2 by SERVACTV, usage data starts with the opcode', async () => {
  const f = fixture();
  for (const r of f.target.table.all()) {
    const sa = r.serviceAction ?? 0;
    const one = await f.run(I1, CDB.rsoc(1, r.opcode, sa));
    const two = await f.run(I1, CDB.rsoc(2, r.opcode, sa));
    const good = r.serviceAction === undefined ? one : two;
    const bad = r.serviceAction === undefined ? two : one;
    assert.deepEqual(sense(bad), [5, 0x24, 0], r.name);
    assert.equal(good.status, 0, r.name);
    const d = good.dataIn!;
    assert.equal(d[1]! & 7, 3);
    assert.equal(d.readUInt16BE(2), r.cdbLength);
    assert.deepEqual([...d.subarray(4, 4 + r.cdbLength)], [...r.usageMask]);
  }
});

test('RSOC one command for an unsupported opcode reports SUPPORT 001b; bad option is INVALID FIELD IN CDB', async () => {
  const f = fixture();
  const d = (await f.run(I1, CDB.rsoc(1, 0xee))).dataIn!;
  assert.equal(d[1]! & 7, 1);
  assert.deepEqual(sense(await f.run(I1, CDB.rsoc(5))), [5, 0x24, 0]);
});

test('PERSISTENT RESERVE IN with an unsupported service action is INVALID FIELD IN CDB; unknown opcode is 20h', async () => {
  const f = fixture();
  for (let sa = 4; sa < 0x20; sa++) assert.deepEqual(sense(await f.run(I1, CDB.prIn(sa))), [5, 0x24, 0]);
  for (let sa = 0; sa < 4; sa++) assert.equal((await f.run(I1, CDB.prIn(sa))).status, 0);
  assert.deepEqual(sense(await f.run(I1, [0xee, 0, 0, 0, 0, 0])), [5, 0x20, 0]);
});
