// Pure helpers of the HA runtime: port naming/overrides and the peer-link wire form of
// forwarded commands (round trip, Buffers as payload/base64).
import test from 'node:test';
import assert from 'node:assert/strict';
import type { ScsiCommand } from '../scsi/types.js';
import { decodeCommand, decodeResponse, encodeCommand, encodeResponse } from './forwarding.js';
import { applyNamedPortals, defaultHaConfig, portByName } from '../config/ha-config.js';

test('default HA config: A0 A1 B0 B1 with TPGT/relative ids 1..4 and ALUA groups 1 (A) and 2 (B); named overrides', () => {
  const ha = defaultHaConfig(2);
  assert.deepEqual(ha.controllers.flatMap((c) => c.ports.map((p) => [p.name, `${p.host}:${p.port}`, p.tpgt, p.relativeTargetPortId, p.targetPortGroupId])), [
    ['A0', '127.0.0.1:3260', 1, 1, 1], ['A1', '127.0.0.2:3260', 2, 2, 1], ['B0', '127.0.0.3:3260', 3, 3, 2], ['B1', '127.0.0.4:3260', 4, 4, 2],
  ]);
  assert.deepEqual(applyNamedPortals(ha, ['A0=127.0.0.1:13260', '127.0.0.9:1']), ['127.0.0.9:1']);
  assert.equal(portByName(ha, 'A0')?.port.port, 13260);
  assert.throws(() => applyNamedPortals(ha, ['C0=127.0.0.1:1']), /no port named C0/);
  assert.throws(() => applyNamedPortals(ha, ['B0=127.0.0.1:13260']), /used by two ports/);
  assert.throws(() => defaultHaConfig(3), /only 1 or 2/);
});

test('forwarded command and response survive the wire form', () => {
  const cmd: ScsiCommand = {
    nexus: { id: 'i|t', initiatorName: 'iqn.i', initiatorPort: 'iqn.i,i,0x1', targetPort: 'iqn.t,t,0x3', targetName: 'iqn.t', relativeTargetPortId: 3, targetPortGroupId: 2, transportId: Buffer.from([1, 2, 3]) },
    lun: 0, cdb: Buffer.from([0x2a, 0, 0, 0, 0, 1, 0, 0, 1, 0]), tag: 7, taskAttr: 'simple', expectedDataTransferLength: 512, dataOut: Buffer.alloc(512, 9),
  };
  const wire = JSON.parse(JSON.stringify(encodeCommand('v1', cmd)));
  const back = decodeCommand(wire.body, Buffer.alloc(512, 9));
  assert.deepEqual(back, cmd);
  const r = { status: 2, sense: Buffer.from([0x70, 0, 5]), transferLength: 512, dataIn: Buffer.from('abc') };
  const e = encodeResponse(r);
  assert.deepEqual(decodeResponse(JSON.parse(JSON.stringify(e.body)), e.payload), r);
});
