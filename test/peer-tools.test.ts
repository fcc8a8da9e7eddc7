// The rule for a missing third-party peer (test/support/peer-tools.ts), on an injected
// PATH, uid and environment. Prevents: a CI machine without the peers going green.
import test from 'node:test';
import assert from 'node:assert/strict';
import { missingTools, peerToolOptions, PEER_TOOLS, REQUIRE_SWITCH, type PeerProbe } from './support/peer-tools.js';

function probe(o: { have?: string[]; uid?: number; strict?: boolean; qemuIscsi?: boolean } = {}): PeerProbe {
  return {
    env: { PATH: '/fake/bin', ...(o.strict ? { [REQUIRE_SWITCH]: '1' } : {}) },
    uid: o.uid ?? 1000,
    onPath: (name, path) => path === '/fake/bin' && (o.have ?? []).includes(name),
    qemuIscsi: () => o.qemuIscsi ?? false,
  };
}

test('all peers here: no options, the test runs', () => {
  assert.deepEqual(peerToolOptions(['qemu-io', 'qemu-iscsi', 'root'], probe({ have: ['qemu-io'], qemuIscsi: true, uid: 0 })), {});
  assert.deepEqual(peerToolOptions(['fio'], probe({ have: ['fio'], strict: true })), {});
});

test('a missing peer without the switch: skipped, naming the tool and its Debian package', () => {
  const o = peerToolOptions(['qemu-io', 'qemu-img'], probe({ have: ['qemu-img'] }));
  assert.equal(o.signal, undefined);
  assert.equal(o.skip, 'missing peer: qemu-io (qemu I/O tool; Debian package qemu-utils); fix: apt-get install qemu-utils');
  assert.match(peerToolOptions(['qemu-iscsi'], probe()).skip!, /block-iscsi\.so.*Debian package qemu-block-extra/);
});

test('under TANDEM_REQUIRE_PEER_TOOLS=1: an aborted signal whose reason names every missing tool, package and root', () => {
  const o = peerToolOptions(['tgtd', 'tgtadm', 'fio', 'root'], probe({ have: ['fio'], strict: true, uid: 1000 }));
  assert.equal(o.skip, undefined);
  assert.equal(o.signal?.aborted, true);
  const msg = (o.signal?.reason as Error).message;
  assert.match(msg, /^missing peer: tgtd \(tgt target daemon; Debian package tgt\), tgtadm \(tgt admin tool; Debian package tgt\), root: tgtd .* \(running as uid 1000\)/);
  assert.match(msg, /fix: apt-get install tgt, then run the tests as root/);
  assert.match(msg, /TANDEM_REQUIRE_PEER_TOOLS=1: a missing peer is a failure, not a skip/);
  assert.doesNotMatch(msg, /fio/);
});

test('every peer has a Debian package from the README list, except root', () => {
  const pkgs = new Set(['libiscsi-bin', 'qemu-utils', 'qemu-block-extra', 'fio', 'tgt', 'nbdkit', 'gcc', 'libiscsi-dev']);
  for (const [name, d] of Object.entries(PEER_TOOLS)) assert.ok(name === 'root' ? d.pkg === undefined : pkgs.has(d.pkg!), name);
  assert.deepEqual(missingTools(['fio', 'fio', 'root'], probe({ uid: 0 })), ['fio'], 'repeats are listed once');
});
