// Standard INQUIRY, VPD 80h and 83h: hand-made pages and what the target encodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, identity, nexus, PORTS, TARGET } from '../test-support/fixture.js';
import { inquiry } from './cdb-spc.js';
import { parseDeviceIdentification, parseStandardInquiry, parseUnitSerial } from './inquiry.js';

const I1 = nexus('iqn.1994-05.com.example:host1', '23d000000001', PORTS[1]!);

test('standard INQUIRY: qualifier, device type, TPGS, identification strings', () => {
  const d = Buffer.alloc(36, 0x20);
  d[0] = 0x20 | 0x05;
  d[5] = 0x30;
  d.write('VENDOR', 8, 'latin1');
  d.write('PRODUCT', 16, 'latin1');
  d.write('0042', 32, 'latin1');
  assert.deepEqual(parseStandardInquiry(d), { peripheralQualifier: 1, peripheralDeviceType: 5, tpgs: 3, vendor: 'VENDOR', product: 'PRODUCT', revision: '0042' });
  assert.deepEqual(parseStandardInquiry(Buffer.alloc(0)), { peripheralQualifier: 3, peripheralDeviceType: 0x1f, tpgs: 0, vendor: '', product: '', revision: '' }, 'no data: no LU');
});

test('VPD 80h: the serial, NULs and padding trimmed; another page or an empty serial is undefined', () => {
  assert.equal(parseUnitSerial(Buffer.from([0, 0x80, 0, 8, ...Buffer.from('SER42  \0')])), 'SER42');
  assert.equal(parseUnitSerial(Buffer.from([0, 0x83, 0, 5, ...Buffer.from('SER42')])), undefined);
  assert.equal(parseUnitSerial(Buffer.from([0, 0x80, 0, 0])), undefined);
  assert.equal(parseUnitSerial(Buffer.from([0, 0x80, 0, 9, ...Buffer.from('SER')])), 'SER', 'truncated');
});

test('VPD 83h: every designator listed; the first NAA (binary) of the LU, port designators of the target port', () => {
  const desc = (codeSet: number, assoc: number, type: number, v: Buffer): Buffer => Buffer.concat([Buffer.from([codeSet, (assoc << 4) | type, 0, v.length]), v]);
  const u16 = (n: number): Buffer => Buffer.from([0, 0, n >> 8, n & 0xff]);
  const body = Buffer.concat([
    desc(2, 0, 3, Buffer.from('not-binary')), // NAA in ASCII: not the NAA a host keys on
    desc(1, 0, 3, Buffer.from('6001405aabbccdd0', 'hex')),
    desc(1, 0, 3, Buffer.from('6001405aabbccdd1', 'hex')),
    desc(3, 1, 8, Buffer.from('iqn.x,t,0x3\0', 'utf8')),
    desc(1, 1, 4, u16(3)),
    desc(1, 1, 5, u16(7)),
    desc(3, 2, 8, Buffer.from('iqn.x\0\0\0', 'utf8')),
  ]);
  const id = parseDeviceIdentification(Buffer.concat([Buffer.from([0, 0x83, body.length >> 8, body.length & 0xff]), body]));
  const { designators, ...fields } = id;
  assert.deepEqual(fields, { naa: '6001405aabbccdd0', targetPortName: 'iqn.x,t,0x3', relativeTargetPort: 3, targetPortGroup: 7, targetName: 'iqn.x' });
  assert.deepEqual(designators.map((d) => [d.codeSet, d.association, d.type, d.value.length]), [[2, 0, 3, 10], [1, 0, 3, 8], [1, 0, 3, 8], [3, 1, 8, 12], [1, 1, 4, 4], [1, 1, 5, 4], [3, 2, 8, 8]]);
  assert.deepEqual(parseDeviceIdentification(Buffer.from([0, 0x80, 0, 0])), { designators: [] });
});

test('round trip: standard INQUIRY, VPD 80h and 83h as the target encodes them', async () => {
  const f = fixture();
  const lu = identity(1);
  const std = parseStandardInquiry((await f.run(I1, inquiry(undefined, 96).cdb)).dataIn!);
  assert.deepEqual(std, { peripheralQualifier: 0, peripheralDeviceType: 0, tpgs: 1, vendor: lu.vendor, product: lu.product, revision: lu.revision });
  assert.equal(parseUnitSerial((await f.run(I1, inquiry(0x80).cdb)).dataIn!), lu.serial);
  const id = parseDeviceIdentification((await f.run(I1, inquiry(0x83, 1024).cdb)).dataIn!);
  assert.deepEqual({ ...id, designators: id.designators.length }, {
    naa: lu.naa.toString('hex'),
    t10: `${lu.vendor.padEnd(8)}${lu.serial}`,
    targetPortName: PORTS[1]!.name,
    relativeTargetPort: PORTS[1]!.relativeTargetPortId,
    targetPortGroup: PORTS[1]!.targetPortGroupId,
    targetName: TARGET,
    designators: 6,
  });
});
