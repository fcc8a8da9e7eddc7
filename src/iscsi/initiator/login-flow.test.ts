// LoginFlow against scripted Login Responses: plain, one-way CHAP, mutual CHAP, C-bit
// continuation, failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chapResponse, encodeChapBinary, decodeChapBinary } from '../auth/chap.js';
import { encodeTextData, parseTextData } from '../pdu/text.js';
import type { LoginResponse } from '../pdu/types.js';
import { LoginFlow, type LoginFlowOptions, type LoginStep } from './login-flow.js';

const rnd = (n: number): Buffer => Buffer.alloc(n, 0x5a);

function resp(o: Partial<LoginResponse> & { pairs?: Array<[string, string]> }): LoginResponse {
  return {
    kind: 'LoginResponse', immediate: false, transit: false, continue: false, csg: 0, nsg: 0, versionMax: 0, versionActive: 0,
    isid: Buffer.alloc(6), tsih: 0, itt: 1, statSN: 0, expCmdSN: 1, maxCmdSN: 1, statusClass: 0, statusDetail: 0,
    data: encodeTextData(o.pairs ?? []), ...o,
  };
}

function flow(o: Partial<LoginFlowOptions> = {}): LoginFlow {
  return new LoginFlow({ initiatorName: 'iqn.i', targetName: 'iqn.t', sessionType: 'Normal', random: rnd, ...o });
}

function sent(step: LoginStep): { transit: boolean; csg: number; nsg: number; pairs: Array<[string, string]>; keys: Map<string, string> } {
  assert.equal(step.kind, 'send', step.kind === 'fail' ? step.error.message : step.kind);
  if (step.kind !== 'send') throw new Error('unreachable');
  return { ...step.request, keys: new Map(step.request.pairs) };
}

test('no CHAP: security (T=1,NSG=1) → operational offers (T=1,NSG=3) → done with the target\'s answers', () => {
  const f = flow({ headerDigest: true });
  const a = sent(f.start());
  assert.deepEqual([a.csg, a.transit, a.nsg], [0, true, 1]);
  assert.equal(a.keys.get('InitiatorName'), 'iqn.i');
  assert.equal(a.keys.get('TargetName'), 'iqn.t');
  assert.equal(a.keys.get('AuthMethod'), 'None');
  const b = sent(f.onResponse(resp({ csg: 0, nsg: 1, transit: true, pairs: [['AuthMethod', 'None'], ['TargetPortalGroupTag', '1']] })));
  assert.deepEqual([b.csg, b.transit, b.nsg], [1, true, 3]);
  assert.equal(b.keys.get('HeaderDigest'), 'CRC32C,None');
  assert.equal(b.keys.get('DataDigest'), 'None');
  const done = f.onResponse(resp({ csg: 1, nsg: 3, transit: true, tsih: 7, pairs: [['HeaderDigest', 'CRC32C'], ['MaxRecvDataSegmentLength', '4096'], ['MaxBurstLength', '65536'], ['FirstBurstLength', '131072'], ['InitialR2T', 'Yes']] }));
  assert.equal(done.kind, 'done');
  if (done.kind !== 'done') return;
  assert.equal(done.tsih, 7);
  assert.equal(done.params.headerDigest, 'CRC32C');
  assert.equal(done.params.peerMaxRecvDataSegmentLength, 4096);
  assert.equal(done.params.firstBurstLength, 65536, 'FirstBurstLength clipped to MaxBurstLength');
  assert.equal(done.params.initialR2T, true);
  assert.equal(done.targetKeys.get('TargetPortalGroupTag'), '1');
});

test('one-way CHAP computes CHAP_R over the target\'s id and challenge', () => {
  const f = flow({ chap: { user: 'u', secret: 'secret-123456' } });
  assert.equal(sent(f.start()).keys.get('AuthMethod'), 'CHAP,None');
  const a = sent(f.onResponse(resp({ pairs: [['AuthMethod', 'CHAP']] })));
  assert.equal(a.keys.get('CHAP_A'), '5');
  const challenge = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const r = sent(f.onResponse(resp({ pairs: [['CHAP_A', '5'], ['CHAP_I', '42'], ['CHAP_C', encodeChapBinary(challenge)]] })));
  assert.equal(r.transit, true);
  assert.equal(r.keys.get('CHAP_N'), 'u');
  assert.deepEqual(decodeChapBinary(r.keys.get('CHAP_R')!), chapResponse(42, Buffer.from('secret-123456'), challenge));
  assert.equal(r.keys.has('CHAP_C'), false);
  const op = sent(f.onResponse(resp({ transit: true, nsg: 1 })));
  assert.equal(op.csg, 1);
});

test('mutual CHAP verifies the target\'s answer and fails on a wrong one', () => {
  const chap = { user: 'u', secret: 'secret-123456', mutualUser: 'tgt', mutualSecret: 'mutual-secret-1' };
  for (const good of [true, false]) {
    const f = flow({ chap });
    assert.equal(sent(f.start()).keys.get('AuthMethod'), 'CHAP');
    sent(f.onResponse(resp({ pairs: [['AuthMethod', 'CHAP']] })));
    const r = sent(f.onResponse(resp({ pairs: [['CHAP_A', '5'], ['CHAP_I', '1'], ['CHAP_C', '0x0102030405']] })));
    const id = Number(r.keys.get('CHAP_I'));
    const ch = decodeChapBinary(r.keys.get('CHAP_C')!)!;
    const answer = chapResponse(id, Buffer.from(good ? chap.mutualSecret : 'wrong-secret-xx'), ch);
    const step = f.onResponse(resp({ transit: true, nsg: 1, pairs: [['CHAP_N', 'tgt'], ['CHAP_R', encodeChapBinary(answer)]] }));
    if (good) assert.equal(sent(step).csg, 1);
    else {
      assert.equal(step.kind, 'fail');
      if (step.kind === 'fail') assert.match(step.error.message, /mutual secret/);
    }
  }
});

test('mutual CHAP required but the target picks None: login fails', () => {
  const f = flow({ chap: { user: 'u', secret: 's', mutualUser: 'm', mutualSecret: 'ms' } });
  f.start();
  const s = f.onResponse(resp({ transit: true, nsg: 1, pairs: [['AuthMethod', 'None']] }));
  assert.equal(s.kind, 'fail');
});

test('a non-zero status ends the login with LoginError carrying class and detail', () => {
  const f = flow();
  f.start();
  const s = f.onResponse(resp({ statusClass: 2, statusDetail: 1 }));
  assert.equal(s.kind, 'fail');
  if (s.kind !== 'fail') return;
  assert.equal(s.error.statusClass, 2);
  assert.equal(s.error.statusDetail, 1);
  assert.match(s.error.message, /authentication failure/);
});

test('C bit: empty requests until the text is complete, then it is parsed whole', () => {
  const f = flow();
  f.start();
  sent(f.onResponse(resp({ transit: true, nsg: 1 })));
  const whole = encodeTextData([['HeaderDigest', 'None'], ['MaxRecvDataSegmentLength', '16384']]);
  const c = sent(f.onResponse(resp({ csg: 1, continue: true, data: whole.subarray(0, 10) })));
  assert.equal(c.transit, false);
  assert.equal(c.pairs.length, 0);
  const done = f.onResponse(resp({ csg: 1, nsg: 3, transit: true, data: whole.subarray(10) }));
  assert.equal(done.kind, 'done');
  if (done.kind === 'done') assert.equal(done.params.peerMaxRecvDataSegmentLength, 16384);
});

test('target that does not transit yet: we ask again, answering nothing twice', () => {
  const f = flow();
  f.start();
  sent(f.onResponse(resp({ transit: true, nsg: 1 })));
  const again = sent(f.onResponse(resp({ csg: 1, pairs: [['HeaderDigest', 'None']] })));
  assert.equal(again.pairs.length, 0);
  assert.equal(again.transit, true);
  assert.equal(f.onResponse(resp({ csg: 1, nsg: 3, transit: true })).kind, 'done');
});

test('discovery session sends no TargetName and only digest/MRDSL offers', () => {
  const f = new LoginFlow({ initiatorName: 'iqn.i', sessionType: 'Discovery', random: rnd });
  const a = sent(f.start());
  assert.equal(a.keys.has('TargetName'), false);
  assert.equal(a.keys.get('SessionType'), 'Discovery');
  const b = sent(f.onResponse(resp({ transit: true, nsg: 1 })));
  assert.deepEqual([...b.keys.keys()].sort(), ['DataDigest', 'HeaderDigest', 'MaxRecvDataSegmentLength']);
  const parsed = parseTextData(encodeTextData(b.pairs));
  assert.ok(parsed.ok);
});

test('a key the target offers on its own is answered NotUnderstood before transiting', () => {
  const f = flow();
  f.start();
  sent(f.onResponse(resp({ transit: true, nsg: 1 })));
  const a = sent(f.onResponse(resp({ csg: 1, nsg: 3, transit: true, pairs: [['X-com.example.Foo', 'Bar'], ['TargetAlias', 'disk']] })));
  assert.deepEqual(a.pairs, [['X-com.example.Foo', 'NotUnderstood']]);
  assert.equal(f.onResponse(resp({ csg: 1, nsg: 3, transit: true })).kind, 'done');
});
