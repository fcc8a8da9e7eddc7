import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../lib/errors.js';
import { DEFAULT_NBD_TCP, parseHostConfig } from './config.js';

const minimal = { arrays: [{ name: 'a1', portals: ['127.0.0.1:3260'], initiatorName: 'iqn.2026-11.h:1' }] };

test('defaults fill everything but arrays; relative paths resolve against the file', () => {
  const c = parseHostConfig({ ...minimal, dataDir: 'data', nbd: { unix: 'nbd.sock' } }, '/etc/th');
  assert.equal(c.dataDir, '/etc/th/data');
  assert.deepEqual(c.nbd, { unix: '/etc/th/nbd.sock' });
  assert.deepEqual(c.multipath, { selector: 'round-robin', checkerIntervalMs: 2000, noPathRetryMs: 60000, explicitFailover: false });
  assert.equal(c.api, '127.0.0.1:0');
  assert.equal(parseHostConfig(minimal).nbd.tcp, DEFAULT_NBD_TCP);
});

test('bad configurations name the offending field', () => {
  const bad: Array<[unknown, string]> = [
    [[], ''],
    [{ arrays: [] }, 'arrays'],
    [{ arrays: [{ name: 'a', portals: ['nohost'], initiatorName: 'i' }] }, 'arrays[0].portals[0]'],
    [{ arrays: [{ name: 'a', portals: ['h:1'] }] }, 'arrays[0].initiatorName'],
    [{ ...minimal, nbd: { tcp: '0.0.0.0:10809' } }, 'nbd.tcp'],
    [{ ...minimal, api: '10.0.0.1:80' }, 'api'],
    [{ ...minimal, multipath: { selector: 'random' } }, 'multipath.selector'],
    [{ ...minimal, multipath: { checkerIntervalMs: 5 } }, 'multipath.checkerIntervalMs'],
    [{ arrays: [minimal.arrays[0], minimal.arrays[0]] }, 'arrays[1].name'],
    [{ ...minimal, arrays: [{ ...minimal.arrays[0], chap: { user: 'u' } }] }, 'arrays[0].chap.secret'],
  ];
  for (const [raw, field] of bad) {
    assert.throws(() => parseHostConfig(raw), (e: unknown) => e instanceof ValidationError && (field === '' || e.field === field), JSON.stringify(raw));
  }
});
