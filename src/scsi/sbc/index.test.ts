import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSbcOpcodes, sbcOpcodes } from './index.js';

test('every row: usage mask length = CDB length, first byte = opcode, unique (opcode, SA)', () => {
  const seen = new Set<string>();
  for (const r of sbcOpcodes) {
    assert.equal(r.usageMask.length, r.cdbLength, r.name);
    assert.equal(r.usageMask[0], r.opcode, r.name);
    if (r.serviceAction !== undefined) assert.equal(r.usageMask[1]! & 0x1f, r.serviceAction, r.name);
    const key = `${r.opcode}/${r.serviceAction ?? '-'}`;
    assert.ok(!seen.has(key), `duplicate ${key}`);
    seen.add(key);
  }
});

test('DPO/FUA usage bits are advertised where libiscsi checks them (MODE SENSE DPOFUA=1)', () => {
  const byOp = new Map(sbcOpcodes.map((r) => [r.opcode, r]));
  for (const op of [0x28, 0xa8, 0x88, 0x2a, 0xaa, 0x8a, 0x89, 0x8b]) assert.equal(byOp.get(op)!.usageMask[1]! & 0x18, 0x18);
  for (const op of [0x2e, 0xae, 0x8e, 0x2f, 0xaf, 0x8f]) assert.equal(byOp.get(op)!.usageMask[1]! & 0x10, 0x10);
});

test('createSbcOpcodes gives independent tables', () => {
  assert.notEqual(createSbcOpcodes()[0], createSbcOpcodes()[0]);
});
