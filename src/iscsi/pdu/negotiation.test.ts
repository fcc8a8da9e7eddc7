/** RFC 7143 §6.2 negotiation rules and the §13 key table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyTargetReplies, defaultParams, defaultTargetLimits, initiatorOffers, negotiateAsTarget, newNegotiationState,
  parseNumber, type TargetLimits,
} from './negotiation.js';

const normal = { sessionType: 'Normal' as const, leading: true };
const limits = (over: Partial<TargetLimits> = {}): TargetLimits => ({ ...defaultTargetLimits(), ...over });
function reply(offers: Array<[string, string]>, l = limits(), ctx: { sessionType: 'Normal' | 'Discovery'; leading: boolean } = normal) {
  const st = newNegotiationState();
  const r = negotiateAsTarget(st, offers, l, ctx);
  return { ...r, st, map: new Map(r.replies) };
}

test('numerical Minimum keys take the smaller value', () => {
  const r = reply([['MaxBurstLength', '4194304'], ['FirstBurstLength', '4096'], ['MaxOutstandingR2T', '8'], ['MaxConnections', '4'], ['DefaultTime2Retain', '0'], ['ErrorRecoveryLevel', '2']],
    limits({ maxBurstLength: 1048576, maxOutstandingR2T: 4, maxConnections: 1, errorRecoveryLevel: 0 }));
  assert.equal(r.error, undefined);
  assert.equal(r.map.get('MaxBurstLength'), '1048576');
  assert.equal(r.map.get('FirstBurstLength'), '4096');
  assert.equal(r.map.get('MaxOutstandingR2T'), '4');
  assert.equal(r.map.get('MaxConnections'), '1');
  assert.equal(r.map.get('DefaultTime2Retain'), '0');
  assert.equal(r.map.get('ErrorRecoveryLevel'), '0');
  assert.equal(r.st.params.maxBurstLength, 1048576);
  assert.equal(r.st.params.firstBurstLength, 4096);
  assert.equal(r.st.params.maxOutstandingR2T, 4);
});

test('DefaultTime2Wait uses Maximum', () => {
  assert.equal(reply([['DefaultTime2Wait', '0']], limits({ defaultTime2Wait: 2 })).map.get('DefaultTime2Wait'), '2');
  assert.equal(reply([['DefaultTime2Wait', '10']], limits({ defaultTime2Wait: 2 })).map.get('DefaultTime2Wait'), '10');
});

test('hex numerical values are accepted (RFC 7143 §5.1)', () => {
  assert.equal(parseNumber('0x200'), 512);
  assert.equal(reply([['MaxBurstLength', '0x10000']]).map.get('MaxBurstLength'), '65536');
  assert.ok(Number.isNaN(parseNumber('12a')));
  assert.ok(Number.isNaN(parseNumber('')));
  assert.ok(Number.isNaN(parseNumber('-1')));
});

test('booleans: InitialR2T is OR, ImmediateData is AND', () => {
  const on = limits({ initialR2T: false, immediateData: true });
  assert.equal(reply([['InitialR2T', 'No']], on).map.get('InitialR2T'), 'No');
  assert.equal(reply([['InitialR2T', 'Yes']], on).map.get('InitialR2T'), 'Yes');
  assert.equal(reply([['InitialR2T', 'No']], limits({ initialR2T: true })).map.get('InitialR2T'), 'Yes');
  assert.equal(reply([['ImmediateData', 'Yes']], on).map.get('ImmediateData'), 'Yes');
  assert.equal(reply([['ImmediateData', 'Yes']], limits({ immediateData: false })).map.get('ImmediateData'), 'No');
  assert.equal(reply([['ImmediateData', 'No']], on).map.get('ImmediateData'), 'No');
  const r = reply([['InitialR2T', 'No'], ['ImmediateData', 'Yes'], ['DataPDUInOrder', 'Yes'], ['DataSequenceInOrder', 'No']], on);
  assert.equal(r.st.params.initialR2T, false);
  assert.equal(r.st.params.immediateData, true);
  assert.equal(r.map.get('DataSequenceInOrder'), 'Yes', 'OR with our Yes');
});

test('list selection picks the first value of the INITIATOR list that we support (§6.2.1)', () => {
  const both = limits({ headerDigest: ['None', 'CRC32C'], dataDigest: ['None', 'CRC32C'] });
  const r = reply([['HeaderDigest', 'CRC32C,None'], ['DataDigest', 'None,CRC32C']], both);
  assert.equal(r.map.get('HeaderDigest'), 'CRC32C');
  assert.equal(r.map.get('DataDigest'), 'None');
  assert.equal(r.st.params.headerDigest, 'CRC32C');
  const noneOnly = limits({ headerDigest: ['None'] });
  assert.equal(reply([['HeaderDigest', 'CRC32C,None']], noneOnly).map.get('HeaderDigest'), 'None');
  assert.equal(reply([['HeaderDigest', 'CRC32C']], noneOnly).map.get('HeaderDigest'), 'Reject');
  assert.equal(reply([['HeaderDigest', 'MD5,CRC32C']], both).map.get('HeaderDigest'), 'CRC32C');
});

test('unknown and vendor keys → NotUnderstood (§6.2)', () => {
  const r = reply([['X-com.example.Foo', '1'], ['Frobnicate', 'Yes']]);
  assert.equal(r.error, undefined);
  assert.equal(r.map.get('X-com.example.Foo'), 'NotUnderstood');
  assert.equal(r.map.get('Frobnicate'), 'NotUnderstood');
});

test('out of range or bad syntax → Reject, and the parameter keeps its value', () => {
  const r = reply([['MaxBurstLength', '511'], ['FirstBurstLength', '16777216'], ['MaxConnections', '0'], ['ErrorRecoveryLevel', '3'],
    ['DefaultTime2Wait', '3601'], ['InitialR2T', 'yes'], ['MaxOutstandingR2T', 'many']]);
  for (const k of ['MaxBurstLength', 'FirstBurstLength', 'MaxConnections', 'ErrorRecoveryLevel', 'DefaultTime2Wait', 'InitialR2T', 'MaxOutstandingR2T']) {
    assert.equal(r.map.get(k), 'Reject', k);
  }
  assert.deepEqual({ ...r.st.params, ourMaxRecvDataSegmentLength: 8192 }, defaultParams());
  // a declarative key has nothing to reject: a bogus declaration fails the login
  assert.match(reply([['MaxRecvDataSegmentLength', '100']]).error ?? '', /MaxRecvDataSegmentLength/);
  assert.ok(reply([['MaxRecvDataSegmentLength', '16777216']]).error);
});

test('Discovery sessions answer Irrelevant for normal-session keys', () => {
  const r = reply([['MaxBurstLength', '65536'], ['InitialR2T', 'No'], ['ImmediateData', 'Yes'], ['MaxConnections', '1'], ['HeaderDigest', 'None'], ['ErrorRecoveryLevel', '0']],
    limits(), { sessionType: 'Discovery', leading: true });
  assert.equal(r.map.get('MaxBurstLength'), 'Irrelevant');
  assert.equal(r.map.get('InitialR2T'), 'Irrelevant');
  assert.equal(r.map.get('ImmediateData'), 'Irrelevant');
  assert.equal(r.map.get('MaxConnections'), 'Irrelevant');
  assert.equal(r.map.get('HeaderDigest'), 'None');
  assert.equal(r.map.get('ErrorRecoveryLevel'), '0');
});

test('FirstBurstLength is Irrelevant when InitialR2T=Yes and ImmediateData=No (§13.14)', () => {
  const r = reply([['FirstBurstLength', '65536'], ['InitialR2T', 'Yes'], ['ImmediateData', 'No']]);
  assert.equal(r.map.get('FirstBurstLength'), 'Irrelevant');
});

test('FirstBurstLength never exceeds MaxBurstLength (§13.14)', () => {
  const r = reply([['FirstBurstLength', '262144'], ['MaxBurstLength', '65536']], limits({ firstBurstLength: 1 << 20, maxBurstLength: 1 << 20 }));
  assert.equal(r.map.get('FirstBurstLength'), '65536');
  assert.equal(r.st.params.firstBurstLength, 65536);
});

test('a key negotiated twice in one login is an error (§6.2), also across PDUs', () => {
  assert.match(reply([['MaxBurstLength', '65536'], ['MaxBurstLength', '65536']]).error ?? '', /more than once/);
  const st = newNegotiationState();
  assert.equal(negotiateAsTarget(st, [['ImmediateData', 'Yes']], limits(), normal).error, undefined);
  assert.ok(negotiateAsTarget(st, [['ImmediateData', 'No']], limits(), normal).error);
});

test('leading-only keys on a non-leading connection are an error; per-connection keys are fine', () => {
  const ctx = { sessionType: 'Normal' as const, leading: false };
  assert.ok(reply([['MaxBurstLength', '65536']], limits(), ctx).error);
  const ok = reply([['HeaderDigest', 'None'], ['MaxRecvDataSegmentLength', '65536']], limits(), ctx);
  assert.equal(ok.error, undefined);
});

test('MaxRecvDataSegmentLength: the initiator declares, we declare ours exactly once per connection', () => {
  const st = newNegotiationState();
  const r1 = negotiateAsTarget(st, [['MaxRecvDataSegmentLength', '65536']], limits({ maxRecvDataSegmentLength: 131072 }), normal);
  assert.deepEqual(r1.replies, [['MaxRecvDataSegmentLength', '131072']]);
  assert.equal(st.params.peerMaxRecvDataSegmentLength, 65536);
  assert.equal(st.params.ourMaxRecvDataSegmentLength, 131072);
  const r2 = negotiateAsTarget(st, [['MaxBurstLength', '65536']], limits(), normal);
  assert.deepEqual(r2.replies, [['MaxBurstLength', '65536']]);
});

test('obsolete marker keys (§13.25): IFMarker/OFMarker → No, IFMarkInt/OFMarkInt → Reject', () => {
  const r = reply([['IFMarker', 'No'], ['OFMarker', 'Yes'], ['IFMarkInt', '2048'], ['OFMarkInt', '2048']]);
  assert.equal(r.map.get('IFMarker'), 'No');
  assert.equal(r.map.get('OFMarker'), 'No');
  assert.equal(r.map.get('IFMarkInt'), 'Reject');
  assert.equal(r.map.get('OFMarkInt'), 'Reject');
});

test('login-level keys are left to the login state machine (no reply)', () => {
  const r = reply([['InitiatorName', 'iqn.x'], ['SessionType', 'Normal'], ['AuthMethod', 'None'], ['CHAP_A', '5']]);
  assert.equal(r.error, undefined);
  assert.deepEqual(r.replies, [['MaxRecvDataSegmentLength', String(defaultTargetLimits().maxRecvDataSegmentLength)]]);
});

test('target-declared keys from the initiator are rejected', () => {
  assert.equal(reply([['TargetPortalGroupTag', '1']]).map.get('TargetPortalGroupTag'), 'Reject');
});

test('the libiscsi login offer gets a sensible answer', () => {
  const offers: Array<[string, string]> = [
    ['HeaderDigest', 'None,CRC32C'], ['DataDigest', 'None'], ['InitialR2T', 'No'], ['ImmediateData', 'Yes'],
    ['MaxBurstLength', '262144'], ['FirstBurstLength', '262144'], ['DefaultTime2Wait', '2'], ['DefaultTime2Retain', '0'],
    ['MaxOutstandingR2T', '1'], ['ErrorRecoveryLevel', '0'], ['IFMarker', 'No'], ['OFMarker', 'No'], ['MaxConnections', '1'],
    ['MaxRecvDataSegmentLength', '262144'], ['DataPDUInOrder', 'Yes'], ['DataSequenceInOrder', 'Yes'],
  ];
  const r = reply(offers);
  assert.equal(r.error, undefined);
  assert.equal(r.replies.length, offers.length); // every key but MRDSL answered, plus our MRDSL declaration
  assert.equal(r.st.params.headerDigest, 'None');
  assert.equal(r.st.params.initialR2T, false);
  assert.equal(r.st.params.firstBurstLength, 262144);
});

test('initiator side: offers and applying replies', () => {
  const offers = new Map(initiatorOffers({ sessionType: 'Normal', headerDigest: ['CRC32C', 'None'], maxRecvDataSegmentLength: 65536 }));
  assert.equal(offers.get('HeaderDigest'), 'CRC32C,None');
  assert.equal(offers.get('MaxRecvDataSegmentLength'), '65536');
  assert.equal(offers.get('InitialR2T'), 'Yes');
  const disc = new Map(initiatorOffers({ sessionType: 'Discovery' }));
  assert.equal(disc.has('MaxBurstLength'), false);
  // target answers go through the same table
  const st = newNegotiationState();
  const target = negotiateAsTarget(newNegotiationState(), [...offers], limits(), normal);
  assert.deepEqual(applyTargetReplies(st, target.replies), {});
  assert.equal(st.params.headerDigest, 'CRC32C');
  assert.equal(st.params.peerMaxRecvDataSegmentLength, 262144);
  assert.equal(st.params.immediateData, true);
  assert.ok(applyTargetReplies(newNegotiationState(), [['MaxBurstLength', '12']]).error);
  const keep = newNegotiationState();
  assert.deepEqual(applyTargetReplies(keep, [['MaxBurstLength', 'Reject'], ['InitialR2T', 'Irrelevant']]), {});
  assert.deepEqual(keep.params, defaultParams());
});
