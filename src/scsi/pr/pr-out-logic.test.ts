import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nexus, PORTS } from '../test-support/fixture.js';
import { prOut, PrOutAction, type PrOutRequest } from './pr-out-logic.js';
import { emptyPrState, isAllRegistrants, regMatches, type PrStateJson } from './pr-state.js';
import { parseTransportId, encodeTransportId } from './transport-id.js';

const NEXUSES = [nexus('iqn.a:h1'), nexus('iqn.a:h2'), nexus('iqn.a:h3', '23d000000002', PORTS[1])];
const KEYS = [0n, 1n, 2n, 3n];

const req = fc.record({
  who: fc.nat(NEXUSES.length - 1),
  action: fc.integer({ min: 0, max: 6 }),
  type: fc.constantFrom(1, 3, 5, 6, 7, 8),
  rk: fc.nat(KEYS.length - 1),
  sk: fc.nat(KEYS.length - 1),
  allTgPt: fc.boolean(),
});

function invariants(s: PrStateJson): void {
  const ids = s.registrations.map((r) => `${r.initiatorPort}|${r.targetPort}`.toLowerCase());
  assert.equal(new Set(ids).size, ids.length, 'one registration per I_T nexus');
  if (s.reservation) {
    if (isAllRegistrants(s.reservation.type)) assert.ok(s.registrations.length > 0, 'AR reservation needs a registrant');
    else assert.ok(s.registrations.some((r) => regMatches(r, s.reservation!.holder)), 'holder is registered');
  }
}

test('property: any PR OUT sequence keeps the state consistent and the generation monotonic', () => {
  fc.assert(
    fc.property(fc.array(req, { maxLength: 40 }), (ops) => {
      let s = emptyPrState();
      for (const o of ops) {
        const r: PrOutRequest = {
          action: o.action,
          scope: 0,
          type: o.type,
          reservationKey: KEYS[o.rk]!,
          serviceActionKey: KEYS[o.sk]!,
          specIPt: false,
          allTgPt: o.allTgPt && (o.action === PrOutAction.Register || o.action === PrOutAction.RegisterAndIgnore),
          aptpl: false,
          transportIds: [],
        };
        const res = prOut(s, NEXUSES[o.who]!, r, PORTS);
        assert.ok(res.state.generation >= s.generation);
        if (!res.changed) assert.equal(res.state, s);
        invariants(res.state);
        s = JSON.parse(JSON.stringify(res.state)) as PrStateJson;
      }
    }),
    { numRuns: 300 },
  );
});

test('TransportID round trip, and rejection of other protocols', () => {
  const t = encodeTransportId('iqn.a:h1,i,0x23d000000001');
  assert.equal(t.length % 4, 0);
  assert.equal(parseTransportId(t, 0)!.initiatorPort, 'iqn.a:h1,i,0x23d000000001');
  const dev = encodeTransportId('iqn.a:h1');
  assert.equal(dev[0]! >> 6, 0);
  assert.equal(parseTransportId(dev, 0)!.initiatorPort, 'iqn.a:h1');
  const fc2 = Buffer.from(t);
  fc2[0] = 0x00;
  assert.equal(parseTransportId(fc2, 0), undefined);
});
