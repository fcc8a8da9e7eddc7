import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chapResponse, decodeChapBinary, encodeChapBinary } from '../auth/chap.js';
import { defaultTargetLimits } from '../pdu/negotiation.js';
import { encodeTextData } from '../pdu/text.js';
import type { LoginRequest } from '../pdu/types.js';
import type { AuthPolicy, ChapCredentials } from './auth-policy.js';
import { LoginMachine, type LoginEnv } from './login-machine.js';
import { LoginStatus } from './login-status.js';

const TARGET = 'iqn.2026-11.test:target';
const INIT = 'iqn.2026-11.test:client';

function env(over: Partial<LoginEnv> = {}, creds?: ChapCredentials, allowed = true): LoginEnv {
  const auth: AuthPolicy = { isAllowed: () => allowed, chapFor: () => creds };
  return { targetName: TARGET, tpgt: 7, portal: { host: '127.0.0.1', port: 3260 }, auth, limits: defaultTargetLimits(), checkJoin: () => 'session-does-not-exist', ...over };
}

function req(csg: number, nsg: number, transit: boolean, pairs: Array<[string, string]>, over: Partial<LoginRequest> = {}): LoginRequest {
  return {
    kind: 'LoginRequest', immediate: true, transit, continue: false, csg, nsg, versionMax: 0, versionMin: 0,
    isid: Buffer.from('400001370000', 'hex'), tsih: 0, itt: 1, cid: 0, cmdSN: 42, expStatSN: 0, data: encodeTextData(pairs), ...over,
  };
}

const get = (pairs: Array<[string, string]>, k: string): string | undefined => pairs.find(([key]) => key === k)?.[1];

test('a Normal login that skips security completes with TargetPortalGroupTag in the first response', () => {
  const m = new LoginMachine(env());
  const r = m.step(req(1, 3, true, [['InitiatorName', INIT], ['TargetName', TARGET], ['SessionType', 'Normal'], ['HeaderDigest', 'CRC32C,None'], ['MaxRecvDataSegmentLength', '65536']]));
  assert.equal(r.outcome, 'complete');
  assert.equal(r.reply.status, LoginStatus.Success);
  assert.equal(get(r.reply.pairs, 'TargetPortalGroupTag'), '7');
  assert.ok(get(r.reply.pairs, 'MaxRecvDataSegmentLength'));
  assert.equal(m.params.peerMaxRecvDataSegmentLength, 65536);
  assert.equal(m.cmdSN, 42);
  assert.equal(m.sessionType, 'Normal');
});

test('security → operational → full feature, stage by stage', () => {
  const m = new LoginMachine(env());
  const a = m.step(req(0, 1, true, [['InitiatorName', INIT], ['TargetName', TARGET], ['AuthMethod', 'None']]));
  assert.equal(a.outcome, 'continue');
  assert.equal(a.reply.transit, true);
  assert.equal(get(a.reply.pairs, 'AuthMethod'), 'None');
  const b = m.step(req(1, 3, true, [['ImmediateData', 'Yes']]));
  assert.equal(b.outcome, 'complete');
  assert.equal(get(b.reply.pairs, 'TargetPortalGroupTag'), undefined);
});

test('discovery sessions need no TargetName and get no TargetPortalGroupTag', () => {
  const m = new LoginMachine(env());
  const r = m.step(req(1, 3, true, [['InitiatorName', INIT], ['SessionType', 'Discovery']]));
  assert.equal(r.outcome, 'complete');
  assert.equal(m.sessionType, 'Discovery');
  assert.equal(get(r.reply.pairs, 'TargetPortalGroupTag'), undefined);
});

test('login failures carry the §11.13.5 status', () => {
  const cases: Array<[LoginEnv, LoginRequest, number]> = [
    [env(), req(1, 3, true, [['TargetName', TARGET]]), LoginStatus.MissingParameter],
    [env(), req(1, 3, true, [['InitiatorName', INIT]]), LoginStatus.MissingParameter],
    [env(), req(1, 3, true, [['InitiatorName', INIT], ['TargetName', 'iqn.other']]), LoginStatus.NotFound],
    [env({}, undefined, false), req(1, 3, true, [['InitiatorName', INIT], ['TargetName', TARGET]]), LoginStatus.AuthorizationFailure],
    [env(), req(1, 3, true, [['InitiatorName', INIT], ['TargetName', TARGET]], { versionMin: 2, versionMax: 2 }), LoginStatus.UnsupportedVersion],
    [env(), req(1, 3, true, [['InitiatorName', INIT], ['TargetName', TARGET]], { tsih: 9 }), LoginStatus.SessionDoesNotExist],
    [env(), req(1, 3, true, [['InitiatorName', INIT], ['SessionType', 'Weird']]), LoginStatus.SessionTypeNotSupported],
    [env(), req(0, 2, true, [['InitiatorName', INIT], ['TargetName', TARGET]]), LoginStatus.InitiatorError],
    [env({}, { user: 'u', secret: 's3cretsecret' }), req(1, 3, true, [['InitiatorName', INIT], ['TargetName', TARGET]]), LoginStatus.AuthenticationFailure],
    [env({}, { user: 'u', secret: 's3cretsecret' }), req(0, 1, true, [['InitiatorName', INIT], ['TargetName', TARGET], ['AuthMethod', 'None']]), LoginStatus.AuthenticationFailure],
  ];
  for (const [e, r, status] of cases) {
    const out = new LoginMachine(e).step(r);
    assert.equal(out.outcome, 'fail', JSON.stringify(out));
    assert.equal(out.reply.status, status, out.detail);
  }
});

test('a second request may not change the stage backwards', () => {
  const m = new LoginMachine(env());
  m.step(req(0, 1, true, [['InitiatorName', INIT], ['TargetName', TARGET], ['AuthMethod', 'None']]));
  assert.equal(m.step(req(0, 1, true, [])).outcome, 'fail');
});

function chapLogin(creds: ChapCredentials, answer: (id: number, chal: Buffer) => Array<[string, string]>) {
  const m = new LoginMachine(env({}, creds));
  const a = m.step(req(0, 1, false, [['InitiatorName', INIT], ['TargetName', TARGET], ['AuthMethod', 'CHAP,None']]));
  assert.equal(get(a.reply.pairs, 'AuthMethod'), 'CHAP');
  const b = m.step(req(0, 1, false, [['CHAP_A', '7,5']]));
  assert.equal(get(b.reply.pairs, 'CHAP_A'), '5');
  const id = Number(get(b.reply.pairs, 'CHAP_I'));
  const chal = decodeChapBinary(get(b.reply.pairs, 'CHAP_C')!)!;
  return { m, c: m.step(req(0, 1, true, answer(id, chal))) };
}

test('one-way CHAP: the right secret passes and the stage advances', () => {
  const creds = { user: 'alice', secret: 'twelve-chars-secret' };
  const { c } = chapLogin(creds, (id, chal) => [['CHAP_N', 'alice'], ['CHAP_R', encodeChapBinary(chapResponse(id, Buffer.from(creds.secret), chal))]]);
  assert.equal(c.outcome, 'continue');
  assert.equal(c.reply.transit, true);
  assert.equal(c.reply.nsg, 1);
});

test('one-way CHAP: a wrong secret fails with 0x0201', () => {
  const { c } = chapLogin({ user: 'alice', secret: 'twelve-chars-secret' }, (id, chal) => [['CHAP_N', 'alice'], ['CHAP_R', encodeChapBinary(chapResponse(id, Buffer.from('wrong-secret-xx'), chal))]]);
  assert.equal(c.outcome, 'fail');
  assert.equal(c.reply.status, LoginStatus.AuthenticationFailure);
});

test('mutual CHAP: the target answers the initiator challenge with the mutual secret', () => {
  const creds = { user: 'alice', secret: 'twelve-chars-secret', mutualUser: 'tgt', mutualSecret: 'mutual-secret-12' };
  const ichal = Buffer.alloc(16, 0x5a);
  const { c } = chapLogin(creds, (id, chal) => [
    ['CHAP_N', 'alice'],
    ['CHAP_R', encodeChapBinary(chapResponse(id, Buffer.from(creds.secret), chal))],
    ['CHAP_I', '77'],
    ['CHAP_C', encodeChapBinary(ichal)],
  ]);
  assert.equal(c.outcome, 'continue');
  assert.equal(get(c.reply.pairs, 'CHAP_N'), 'tgt');
  assert.deepEqual(decodeChapBinary(get(c.reply.pairs, 'CHAP_R')!), chapResponse(77, Buffer.from(creds.mutualSecret), ichal));
});

test('mutual CHAP without mutual credentials fails', () => {
  const creds = { user: 'alice', secret: 'twelve-chars-secret' };
  const { c } = chapLogin(creds, (id, chal) => [
    ['CHAP_N', 'alice'],
    ['CHAP_R', encodeChapBinary(chapResponse(id, Buffer.from(creds.secret), chal))],
    ['CHAP_I', '1'],
    ['CHAP_C', encodeChapBinary(Buffer.alloc(16, 1))],
  ]);
  assert.equal(c.reply.status, LoginStatus.AuthenticationFailure);
});

test('text split over several Login Requests (C bit) is answered with empty responses', () => {
  const m = new LoginMachine(env());
  const full = encodeTextData([['InitiatorName', INIT], ['TargetName', TARGET]]);
  const a = m.step({ ...req(1, 3, false, []), continue: true, data: full.subarray(0, 10) });
  assert.equal(a.outcome, 'continue');
  assert.deepEqual(a.reply.pairs, []);
  const b = m.step({ ...req(1, 3, true, []), data: full.subarray(10) });
  assert.equal(b.outcome, 'complete', b.detail);
});

test('a target that does not serve its LUs yet answers every login 0x0301 SERVICE UNAVAILABLE (retryable), then accepts', () => {
  let serving = false;
  for (const st of ['Normal', 'Discovery']) {
    const r = new LoginMachine(env({ serving: () => serving })).step(req(1, 3, true, [['InitiatorName', INIT], ['TargetName', TARGET], ['SessionType', st]]));
    assert.equal(r.outcome, 'fail');
    assert.equal(r.reply.status, LoginStatus.ServiceUnavailable);
    assert.equal(r.reply.status >> 8, 3, 'status class 3: target error, the initiator may retry');
    assert.match(r.detail ?? '', /not served yet/);
  }
  serving = true;
  assert.equal(new LoginMachine(env({ serving: () => serving })).step(req(1, 3, true, [['InitiatorName', INIT], ['TargetName', TARGET]])).outcome, 'complete');
});
