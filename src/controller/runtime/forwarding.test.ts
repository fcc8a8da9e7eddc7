// The peer-link wire form of forwarded commands (round trip, Buffers as payload/base64).
import test from 'node:test';
import assert from 'node:assert/strict';
import type { ScsiCommand } from '../../scsi/types.js';
import { decodeCommand, decodeResponse, encodeCommand, encodeResponse } from './forwarding.js';

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
