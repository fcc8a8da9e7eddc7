import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '../lib/errors.js';
import { checkChapSecret, checkInitiatorName, checkLun, checkName, checkSize } from './validate.js';

test('names: 1-63 chars, alphanumeric first', () => {
  for (const ok of ['v1', 'a', 'DB_01.data-x', 'x'.repeat(63)]) assert.equal(checkName(ok), ok);
  for (const bad of ['', '-a', '.a', '_a', 'a b', 'x'.repeat(64), 'é', 'a/b']) {
    assert.throws(() => checkName(bad), (e: unknown) => e instanceof ValidationError && e.field === 'name' && /1-63 characters/.test(e.message));
  }
});

test('sizes: positive, >= 1 MiB, multiple of block size; message names the field and the fix', () => {
  assert.equal(checkSize(1 << 20, 512), 1 << 20);
  assert.equal(checkSize(10 * 2 ** 30, 4096), 10 * 2 ** 30);
  assert.throws(() => checkSize(0, 512), /sizeBytes must be a positive/);
  assert.throws(() => checkSize(512 * 100, 512), /at least 1 MiB/);
  assert.throws(() => checkSize((1 << 20) + 512, 4096), /round it to 1052672/);
  assert.throws(() => checkSize(1.5 * 2 ** 20 + 0.5, 512), ValidationError);
});

test('LUN range 0..16383', () => {
  assert.equal(checkLun(0), 0);
  assert.equal(checkLun(16383), 16383);
  assert.throws(() => checkLun(16384), /0 to 16383/);
  assert.throws(() => checkLun(-1), ValidationError);
  assert.throws(() => checkLun(1.5), ValidationError);
});

test('iSCSI initiator names (RFC 7143 §4.2.7.2)', () => {
  assert.equal(checkInitiatorName('iqn.1994-05.com.redhat:6c4f6a9e7'), 'iqn.1994-05.com.redhat:6c4f6a9e7');
  assert.equal(checkInitiatorName('IQN.2001-04.com.Example:Storage.Disk2'), 'iqn.2001-04.com.example:storage.disk2');
  assert.equal(checkInitiatorName('iqn.2001-04.com.example'), 'iqn.2001-04.com.example');
  assert.equal(checkInitiatorName('eui.02004567a425678d'), 'eui.02004567A425678D');
  assert.equal(checkInitiatorName('naa.52004567BA64678D'), 'naa.52004567BA64678D');
  assert.equal(checkInitiatorName('naa.62004567BA64678D0123456789ABCDEF'), 'naa.62004567BA64678D0123456789ABCDEF');
  for (const bad of ['iqn.2001-13.com.x', 'iqn.01-04.com.x', 'iqn.2001-04', 'iqn.2001-04.com.ex_ample', 'eui.123',
    'naa.123456789012345678', 'foo.bar', 'iqn.2001-04.com.x:a b', `iqn.2001-04.com.x:${'a'.repeat(220)}`]) {
    assert.throws(() => checkInitiatorName(bad), (e: unknown) => e instanceof ValidationError && /RFC 7143/.test(e.message), bad);
  }
});

test('property: every generated well-formed iqn is accepted', () => {
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
  fc.assert(fc.property(fc.integer({ min: 1990, max: 2099 }), fc.integer({ min: 1, max: 12 }), fc.array(label, { minLength: 1, maxLength: 4 }),
    fc.stringMatching(/^[a-z0-9.:-]{0,20}$/), (y, m, labels, tail) => {
      const n = `iqn.${y}-${String(m).padStart(2, '0')}.${labels.join('.')}${tail ? `:${tail}` : ''}`;
      assert.equal(checkInitiatorName(n), n);
    }));
});

test('CHAP secret length 12..255', () => {
  assert.equal(checkChapSecret('123456789012', 'chap.secret'), '123456789012');
  assert.throws(() => checkChapSecret('short', 'chap.secret'), (e: unknown) => e instanceof ValidationError && e.field === 'chap.secret');
  assert.throws(() => checkChapSecret('x'.repeat(256), 'chap.secret'), ValidationError);
});
