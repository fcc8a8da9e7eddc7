import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLun, encodeLun } from './lun.js';

test('peripheral device addressing below 256 (SAM-5 §4.7.7.2)', () => {
  assert.equal(encodeLun(0).toString('hex'), '0000000000000000');
  assert.equal(encodeLun(5).toString('hex'), '0005000000000000');
  assert.equal(encodeLun(255).toString('hex'), '00ff000000000000');
});

test('flat space addressing 256..16383 (SAM-5 §4.7.7.4)', () => {
  assert.equal(encodeLun(256).toString('hex'), '4100000000000000');
  assert.equal(encodeLun(16383).toString('hex'), '7fff000000000000');
});

test('decode inverts encode for every LUN', () => {
  for (let l = 0; l < 16384; l++) assert.equal(decodeLun(encodeLun(l)), l);
});

test('flat addressing of a small LUN also decodes', () => {
  assert.equal(decodeLun(Buffer.from('4005000000000000', 'hex')), 5);
});

test('other address methods, bus ids, lower levels and short buffers give -1', () => {
  assert.equal(decodeLun(Buffer.from('8005000000000000', 'hex')), -1); // logical unit addressing
  assert.equal(decodeLun(Buffer.from('c005000000000000', 'hex')), -1); // extended
  assert.equal(decodeLun(Buffer.from('0105000000000000', 'hex')), -1); // bus 1
  assert.equal(decodeLun(Buffer.from('0005000100000000', 'hex')), -1); // second level
  assert.equal(decodeLun(Buffer.from('0005', 'hex')), -1);
});
