import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTextData, parseTextData } from './text.js';

test('encode then parse returns the pairs (RFC 7143 §6.1)', () => {
  const pairs: Array<[string, string]> = [['InitiatorName', 'iqn.2026-11.io.tandem:h1'], ['HeaderDigest', 'CRC32C,None'], ['X-com.example.Empty', '']];
  const buf = encodeTextData(pairs);
  assert.equal(buf.toString('latin1'), 'InitiatorName=iqn.2026-11.io.tandem:h1\0HeaderDigest=CRC32C,None\0X-com.example.Empty=\0');
  assert.deepEqual(parseTextData(buf), { ok: true, pairs });
});

test('tolerates a missing final NUL and skips empty entries', () => {
  assert.deepEqual(parseTextData(Buffer.from('A=1\0\0B=2')), { ok: true, pairs: [['A', '1'], ['B', '2']] });
  assert.deepEqual(parseTextData(Buffer.alloc(0)), { ok: true, pairs: [] });
});

test('value may contain "="; only the first one splits', () => {
  assert.deepEqual(parseTextData(Buffer.from('TargetAlias=a=b\0')), { ok: true, pairs: [['TargetAlias', 'a=b']] });
});

test('UTF-8 values survive', () => {
  const pairs: Array<[string, string]> = [['InitiatorAlias', 'hôte-ü']];
  assert.deepEqual(parseTextData(encodeTextData(pairs)), { ok: true, pairs });
});

test('errors: no "=", empty key, key > 63 bytes, bad key chars, value > 255 bytes', () => {
  assert.equal(parseTextData(Buffer.from('NoEquals\0')).ok, false);
  assert.equal(parseTextData(Buffer.from('=v\0')).ok, false);
  assert.equal(parseTextData(Buffer.from('K'.repeat(64) + '=v\0')).ok, false);
  assert.equal(parseTextData(Buffer.from('K'.repeat(63) + '=v\0')).ok, true);
  assert.equal(parseTextData(Buffer.from('Bad Key=v\0')).ok, false);
  assert.equal(parseTextData(Buffer.from('TargetAlias=' + 'v'.repeat(256) + '\0')).ok, false);
  assert.equal(parseTextData(Buffer.from('TargetAlias=' + 'v'.repeat(255) + '\0')).ok, true);
});

test('CHAP_C and CHAP_R may carry long binary values', () => {
  const long = '0x' + 'ab'.repeat(1024);
  assert.deepEqual(parseTextData(Buffer.from(`CHAP_C=${long}\0`)), { ok: true, pairs: [['CHAP_C', long]] });
  assert.equal(parseTextData(Buffer.from(`CHAP_R=${long}\0`)).ok, true);
  assert.equal(parseTextData(Buffer.from(`CHAP_N=${long}\0`)).ok, false);
});
