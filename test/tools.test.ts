// Third-party initiators against a running Tandem: libiscsi's iscsi-ls/iscsi-inq/
// iscsi-readcapacity16 and qemu's iSCSI block driver. Prevents interop regressions
// (discovery, login, INQUIRY/VPD, capacity, data integrity through a real client).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { requireTools } from './support/peer-tools.js';
import { run } from './support/run.js';
import { startArray, type RunningArray } from './support/tandem.js';

let arr: RunningArray;
before(async () => { arr = await startArray({ controllers: 1 }); });
after(async () => { await arr?.stop(); });

const ini = ['-i', 'iqn.2026-11.test:tools'];

test('iscsi-ls lists the target with its portal and the demo LUN', requireTools('iscsi-ls'), async () => {
  const r = await run('iscsi-ls', [...ini, '-s', `iscsi://${arr.portal}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Target:${arr.iqn.replace(/\./g, '\\.')} Portal:${arr.portal.replace(/\./g, '\\.')},1`));
  assert.match(r.stdout, /Lun:0\s+Type:DIRECT_ACCESS \(Size:(1023M|1024M|1G)\)/);
});

test('iscsi-inq reads standard INQUIRY and the device identification page', requireTools('iscsi-inq'), async () => {
  const std = await run('iscsi-inq', [...ini, arr.url(0)]);
  assert.equal(std.code, 0, std.stderr);
  assert.match(std.stdout, /Vendor:\s*TANDEM/);
  const vpd83 = await run('iscsi-inq', [...ini, '-e', '1', '-c', '131', arr.url(0)]);
  assert.equal(vpd83.code, 0, vpd83.stderr);
  assert.match(vpd83.stdout, /Designator Type:\(3\) NAA/);
  assert.match(vpd83.stdout, new RegExp(`Designator:\\[${arr.iqn.replace(/\./g, '\\.')},t,0x0001\\]`));
});

test('iscsi-readcapacity16 reports 1 GiB with thin provisioning enabled', requireTools('iscsi-readcapacity16'), async () => {
  const r = await run('iscsi-readcapacity16', [...ini, arr.url(0)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /LOGICAL BLOCK LENGTH IN BYTES:512/);
  assert.match(r.stdout, /Total Size:\s*1073741824/i);
  assert.match(r.stdout, /LBPME:\s*1/i);
});

test('qemu-io writes a pattern and reads it back; qemu-img compare matches a local copy', requireTools('qemu-io', 'qemu-img', 'qemu-iscsi'), async () => {
  const url = arr.url(0);
  const io = await run('qemu-io', ['-f', 'raw', '-c', 'write -P 0x5a 1M 4M', '-c', 'read -P 0x5a 1M 4M', '-c', 'read -P 0 0 1M', url], {
    env: { ...process.env, LIBISCSI_INITIATOR_NAME: 'iqn.2026-11.test:qemu' },
  });
  assert.equal(io.code, 0, io.stderr + io.stdout);
  assert.doesNotMatch(io.stdout + io.stderr, /Pattern verification failed|error/i);
  const local = join(arr.dataDir, 'copy.raw');
  const conv = await run('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', url, local], { timeoutMs: 300_000 });
  assert.equal(conv.code, 0, conv.stderr);
  const cmp = await run('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', url, local], { timeoutMs: 300_000 });
  assert.equal(cmp.code, 0, cmp.stdout + cmp.stderr);
  assert.match(cmp.stdout, /Images are identical/);
});
