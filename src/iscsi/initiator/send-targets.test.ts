// SendTargets text parsing (RFC 7143 Appendix C): records, IPv6 portals, default port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTextData } from '../pdu/text.js';
import { parseSendTargets, parseTargetAddress } from './send-targets.js';

test('SendTargets: records, IPv6 portals, default port', () => {
  const t = encodeTextData([['TargetName', 'iqn.a'], ['TargetAddress', '10.0.0.1:3261,2'], ['TargetAddress', '[fe80::1]:3260,1'], ['TargetName', 'iqn.b']]);
  assert.deepEqual(parseSendTargets(t, '127.0.0.1', 3260), [
    { targetName: 'iqn.a', portals: [{ host: '10.0.0.1', port: 3261, tpgt: 2 }, { host: 'fe80::1', port: 3260, tpgt: 1 }] },
    { targetName: 'iqn.b', portals: [{ host: '127.0.0.1', port: 3260, tpgt: 1 }] },
  ]);
  assert.deepEqual(parseTargetAddress('host.example', 3260), { host: 'host.example', port: 3260, tpgt: 1 });
});
