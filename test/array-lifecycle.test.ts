// The array as an operator and hosts see it, end to end through the real CLI, the real
// daemon and real initiators: `tandem up`'s embedded default (two controllers, ports
// A0 A1 B0 B1), volume/host/map lifecycle with exit codes, per-initiator LUN views, CHAP,
// resize seen by hosts, write protection, events, a restart that brings back the same
// array with the same data, and the configuration-file form of the controllers.
// Prevents regressions in the wiring of control plane, data plane and persistence, and
// a default or a configured controller setting that silently stops applying.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/ports.js';
import { haveTools, requireTools, type PeerTool } from './support/peer-tools.js';
import { run } from './support/run.js';
import { cliPath, startArray, type RunningArray } from './support/tandem.js';

const TOOLS: PeerTool[] = ['iscsi-ls', 'iscsi-readcapacity16', 'qemu-io', 'qemu-iscsi'];
const tools = requireTools(...TOOLS);
const H1 = 'iqn.2026-11.test:h1';
const OTHER = 'iqn.2026-11.test:other';
let dataDir: string;
let arr: RunningArray;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tandem-life-'));
  arr = await startArray({ dataDir });
});
after(async () => {
  await arr?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<string> {
  const r = await arr.cli(args);
  assert.equal(r.code, 0, `tandem ${args.join(' ')} → ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}
async function fails(args: string[], code: number, message: RegExp): Promise<void> {
  const r = await arr.cli(args);
  assert.equal(r.code, code, `tandem ${args.join(' ')} → ${r.code} (wanted ${code})\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
}
/** The LUNs `initiator` sees; iscsi-ls visits every portal SendTargets lists, and each must show the same. */
const lunsSeenBy = async (initiator: string, url = `iscsi://${arr.portal}`) => {
  const r = await run('iscsi-ls', ['-i', initiator, '-s', url]);
  assert.equal(r.code, 0, r.stderr);
  const perPortal = r.stdout.split(/^Target:\S+ Portal:/m).slice(1).map((block) => [...block.matchAll(/Lun:(\d+)\s+Type:DIRECT_ACCESS/g)].map((m) => Number(m[1])));
  assert.equal(perPortal.length, arr.portals.length, `every portal is listed:\n${r.stdout}`);
  for (const luns of perPortal) assert.deepEqual(luns, perPortal[0], `the same LUNs through every portal:\n${r.stdout}`);
  return perPortal[0];
};

test('tandem up with no --controllers: controllers A and B, ports A0..B1 printed with their TPGT, A0 on the given address', async () => {
  const printed = [...arr.output().matchAll(/^\s+portal\s+(\S+) \(tpgt (\d+), port (\w+) of controller (\w+)\)$/gm)].map((m) => [m[1], Number(m[2]), m[3], m[4]]);
  assert.deepEqual(printed, [[arr.portals[0], 1, 'A0', 'A'], [arr.portals[1], 2, 'A1', 'A'], [arr.portals[2], 3, 'B0', 'B'], [arr.portals[3], 4, 'B1', 'B']], arr.output());
  assert.deepEqual(arr.portals.map((p) => p.split(':')[0]), ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']);
  const ctl = JSON.parse(await ok(['--json', 'controller', 'list'])) as Array<{ name: string; state: string; pid: number | null; ports: Array<{ name: string; address: string }>; ipFailover: string }>;
  assert.deepEqual(ctl.map((c) => [c.name, c.state, c.ipFailover, c.ports.map((p) => `${p.name} ${p.address}`)]), [
    ['A', 'online', 'both', [`A0 ${arr.portals[0]}`, `A1 ${arr.portals[1]}`]],
    ['B', 'online', 'both', [`B0 ${arr.portals[2]}`, `B1 ${arr.portals[3]}`]],
  ]);
  assert.ok(ctl.every((c) => typeof c.pid === 'number' && c.pid !== arr.child.pid), 'each controller is a process of its own');
  const t = JSON.parse(await ok(['--json', 'target', 'show'])) as { portals: Array<{ host: string; port: number; tpgt: number }> };
  assert.deepEqual(t.portals.map((p) => [`${p.host}:${p.port}`, p.tpgt]), arr.portals.map((p, i) => [p, i + 1]));
});

test('a memory-backed volume is refused on two controllers, naming the field and the fix', async () => {
  const r = await arr.api<{ error: { message: string; field?: string } }>('POST', '/v1/volumes', { name: 'ram1', sizeBytes: 2 ** 20, backing: 'memory' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.field, 'backing');
  assert.match(r.body.error.message, /single-controller array \(tandem up --controllers 1\).*use backing file/);
});

test('first start: the demo volume exists, mapped to all loopback initiators as LUN 0', async () => {
  const vols = JSON.parse(await ok(['--json', 'volume', 'list'])) as Array<{ name: string; sizeBytes: number }>;
  assert.deepEqual(vols.map((v) => [v.name, v.sizeBytes]), [['demo', 1024 ** 3]]);
  const maps = JSON.parse(await ok(['--json', 'map', 'list'])) as Array<{ volumeName: string; lun: number; kind: string }>;
  assert.deepEqual(maps.map((m) => [m.volumeName, m.kind, m.lun]), [['demo', 'allLoopback', 0]]);
});

test('CLI usage errors, not-found and conflicts have distinct exit codes and say what to do', async () => {
  await fails(['frobnicate'], 2, /unknown command/i);
  await fails(['volume', 'create', 'x1', '--size', 'lots'], 2, /size/i);
  await fails(['volume', 'create', 'bad name!', '--size', '1G'], 2, /name/i);
  await fails(['volume', 'show', 'nope'], 3, /nope/);
  await fails(['volume', 'delete', 'demo'], 4, /mapped/);
});

test('volumes, hosts and mappings decide what each initiator sees', tools, async () => {
  await ok(['volume', 'create', 'v1', '--size', '64M']);
  await ok(['host', 'create', 'h1', '--initiator', H1]);
  await ok(['map', 'create', 'v1', '--host', 'h1', '--lun', '3']);
  assert.deepEqual(await lunsSeenBy(H1), [0, 3]);
  assert.deepEqual(await lunsSeenBy(OTHER), [0]);
});

test('a resize is seen by hosts (READ CAPACITY)', tools, async () => {
  await ok(['volume', 'resize', 'v1', '--size', '128M']);
  const r = await run('iscsi-readcapacity16', ['-i', H1, arr.url(3)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Total size:\s*134217728/i);
});

test('write protection: writes fail with DATA PROTECT, reads still work', tools, async () => {
  await ok(['volume', 'protect', 'v1']);
  const w = await run('qemu-io', ['--image-opts', '-c', 'write -P 0x11 0 64k', arr.qemuOpts(3, H1)]);
  assert.match(w.stdout + w.stderr, /(write failed|Operation not permitted|Permission denied|read-only|protect)/i);
  await ok(['volume', 'unprotect', 'v1']);
  const w2 = await run('qemu-io', ['--image-opts', '-c', 'write -P 0x11 0 64k', '-c', 'read -P 0x11 0 64k', arr.qemuOpts(3, H1)]);
  assert.equal(w2.code, 0, w2.stderr);
  assert.doesNotMatch(w2.stdout + w2.stderr, /failed/i);
});

test('CHAP: once set, the host must authenticate', tools, async () => {
  await ok(['host', 'set-chap', 'h1', '--chap-user', 'h1user', '--chap-secret', 'secret-of-h1-123']);
  const without = await run('iscsi-ls', ['-i', H1, '-s', `iscsi://${arr.portal}`]);
  assert.notEqual(without.code, 0, 'login without CHAP must fail');
  assert.deepEqual(await lunsSeenBy(H1, `iscsi://h1user%secret-of-h1-123@${arr.portal}`), [0, 3]);
  const wrong = await run('iscsi-ls', ['-i', H1, '-s', `iscsi://h1user%wrong-secret-0000@${arr.portal}`]);
  assert.notEqual(wrong.code, 0, 'login with a wrong secret must fail');
  await ok(['host', 'clear-chap', 'h1']);
});

test('events record who changed what', async () => {
  const ev = JSON.parse(await ok(['--json', 'events', '--limit', '200'])) as Array<{ short: string }>;
  const text = ev.map((e) => e.short).join('\n');
  assert.match(text, /volume v1 created/);
  assert.match(text, /volume demo created/);
});

test('restart: the same array comes back with the same volumes, mappings and data', tools, async () => {
  const w = await run('qemu-io', ['--image-opts', '-c', 'write -P 0x7e 1M 2M', arr.qemuOpts(3, H1)]);
  assert.equal(w.code, 0, w.stderr);
  const before = JSON.parse(await ok(['--json', 'volume', 'list']));
  const iqn = arr.iqn;
  assert.equal(await arr.stop(), 0, 'tandem up exits 0 on SIGTERM');
  arr = await startArray({ dataDir });
  assert.equal(arr.iqn, iqn);
  assert.deepEqual(JSON.parse(await ok(['--json', 'volume', 'list'])), before);
  const r = await run('qemu-io', ['--image-opts', '-c', 'read -P 0x7e 1M 2M', arr.qemuOpts(3, H1)]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /failed/i);
});

test('SIGTERM stops both controllers and the supervisor cleanly', async () => {
  const ctl = JSON.parse(await ok(['--json', 'controller', 'list'])) as Array<{ pid: number }>;
  assert.equal(await arr.stop(), 0, 'tandem up exits 0 on SIGTERM');
  assert.match(arr.output(), /SIGTERM: logging initiators out and stopping…\nstopped\n/);
  for (const { pid } of ctl) assert.throws(() => process.kill(pid, 0), /ESRCH/, `controller process ${pid} is gone`);
});

test('configuration file: controllers, named ports, ipFailover, timing and the initial policy', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-life-cfg-'));
  const ports: Record<string, string> = {};
  for (const [i, n] of ['A0', 'A1', 'B0', 'B1'].entries()) ports[n] = `127.0.0.${11 + i}:${await freePort()}`;
  const file = join(dir, 'tandem.json');
  writeFileSync(file, JSON.stringify({
    controllers: 2, ports, ipFailover: { A: 'local', B: 'remote' }, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 700, leaseMs: 900,
    policy: { failback: 'auto', failbackDelayMs: 1500, aluaTrespassThreshold: 5000 },
  }));
  const cfgArr = await startArray({ dataDir: join(dir, 'data'), extraArgs: ['--config', file], configuredPortals: Object.values(ports) });
  try {
    const r = await cfgArr.cli(['--json', 'controller', 'list']);
    assert.equal(r.code, 0, r.stderr);
    const ctl = JSON.parse(r.stdout) as Array<{ name: string; ipFailover: string; ports: Array<{ name: string; address: string }> }>;
    assert.deepEqual(ctl.map((c) => [c.name, c.ipFailover, c.ports.map((p) => `${p.name} ${p.address}`)]), [
      ['A', 'local', [`A0 ${ports.A0}`, `A1 ${ports.A1}`]],
      ['B', 'remote', [`B0 ${ports.B0}`, `B1 ${ports.B1}`]],
    ]);
    const pol = await cfgArr.cli(['cluster', 'policy']);
    assert.equal(pol.code, 0, pol.stderr);
    assert.match(pol.stdout, /Failback:\s+auto/);
    assert.match(pol.stdout, /Failback delay:\s+1500 ms/);
    assert.match(pol.stdout, /ALUA trespass threshold:\s+5000 I\/Os/);
    assert.match(pol.stdout, /Heartbeat timeout:\s+700 ms/);
    if (haveTools(...TOOLS)) {
      const ls = await run('iscsi-ls', ['-i', H1, '-s', `iscsi://${ports.B1}`]);
      assert.equal(ls.code, 0, ls.stderr);
      for (const a of Object.values(ports)) assert.match(ls.stdout, new RegExp(`Portal:${a.replace(/\./g, '\\.')},\\d`), 'SendTargets lists every configured port');
    }
    assert.equal(await cfgArr.stop(), 0);
  } finally {
    await cfgArr.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--controllers 1 still runs the single-controller array; a bad --portal is refused before anything starts', async () => {
  const one = await startArray({ controllers: 1 });
  try {
    assert.match(one.output(), /controllers 1 \(single-controller array\)/);
    assert.match(one.output(), new RegExp(`portal\\s+${one.portal.replace(/\./g, '\\.')} \\(tpgt 1\\)`));
    const r = await one.cli(['controller', 'list']);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /single controller/);
    const mem = await one.api('POST', '/v1/volumes', { name: 'ram1', sizeBytes: 2 ** 20, backing: 'memory' });
    assert.equal(mem.status, 201);
  } finally {
    assert.equal(await one.stop(), 0);
  }
  const bad = await run(process.execPath, [cliPath, 'up', '--data-dir', join(dataDir, 'never'), '--portal', '192.0.2.1:3260']);
  assert.equal(bad.code, 2, bad.stdout + bad.stderr);
  assert.match(bad.stderr, /--portal 192\.0\.2\.1:3260: ports A1, B0, B1 have no address/);
  assert.match(bad.stderr, /give each port an address: --portal A0=… --portal A1=… --portal B0=… --portal B1=… .*or run one controller with --controllers 1/);
});
