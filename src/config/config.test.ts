// Configuration loading for `tandem up`: the embedded default (two controllers), the
// dual-controller address rules for --portal (named, unnamed, counted up from the first
// loopback address), the configuration-file keys, and errors that name the field and the
// fix. Prevents: a default that silently changes, ports that collide or are guessed on
// a non-loopback network, and file settings that are accepted but never applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../lib/errors.js';
import { DEFAULT_CONFIG, loadConfig, type ConfigFlags } from './config.js';

const addrs = (flags: ConfigFlags) => loadConfig(flags, '/tmp').portals.map((p) => `${p.host}:${p.port}`);

/** Asserts a ValidationError whose field is `field` and whose message matches every pattern. */
function rejects(fn: () => unknown, field: string, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ValidationError, `not a ValidationError: ${String(e)}`);
    assert.equal(e.field, field, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

function withFile(content: unknown, fn: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cfg-'));
  try {
    const file = join(dir, 'tandem.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the embedded default: two controllers, A0..B1 on 127.0.0.1..4:3260, ipFailover both, heartbeat 100/600, lease 800', () => {
  const c = loadConfig({}, '/work');
  assert.equal(c.controllers, 2);
  assert.deepEqual(c.portals.map((p) => `${p.host}:${p.port}`), ['127.0.0.1:3260', '127.0.0.2:3260', '127.0.0.3:3260', '127.0.0.4:3260']);
  assert.deepEqual(c.ipFailover, { A: 'both', B: 'both' });
  assert.deepEqual([c.heartbeatIntervalMs, c.heartbeatTimeoutMs, c.leaseMs], [100, 600, 800]);
  assert.deepEqual(c.policy, {});
  assert.equal(c.dataDir, '/work/tandem-data');
  assert.deepEqual(c.api, { host: '127.0.0.1', port: 7260 });
  c.portals[0]!.port = 1;
  c.ipFailover.A = 'none';
  assert.equal(DEFAULT_CONFIG.portals[0]!.port, 3260, 'loadConfig hands out copies of the default');
  assert.equal(loadConfig({}).ipFailover.A, 'both');
});

test('--controllers 1: the single-controller array on 127.0.0.1:3260 or the given portals', () => {
  assert.deepEqual(addrs({ controllers: 1 }), ['127.0.0.1:3260']);
  assert.deepEqual(addrs({ controllers: '1', portal: ['127.0.0.1:5000', '127.0.0.2:5000'] }), ['127.0.0.1:5000', '127.0.0.2:5000']);
  rejects(() => loadConfig({ controllers: 1, portal: ['127.0.0.1:5000', '127.0.0.1:5000'] }), 'portal', /listed twice/);
  rejects(() => loadConfig({ controllers: 1, portal: ['A0=127.0.0.1:5000'] }), 'portal', /--portal A0=127\.0\.0\.1:5000/, /one controller \(--controllers 1\)/, /plain HOST:PORT/);
  for (const bad of [3, 0, 'two', '2.5']) rejects(() => loadConfig({ controllers: bad }), 'controllers', /--controllers: only 1 .* or 2/);
});

test('unnamed --portal values fill A0, A1, B0, B1; the rest count up the last octet of the first loopback address', () => {
  assert.deepEqual(addrs({ portal: ['127.0.0.1:13260'] }), ['127.0.0.1:13260', '127.0.0.2:13260', '127.0.0.3:13260', '127.0.0.4:13260']);
  assert.deepEqual(addrs({ portal: ['localhost:13260'] }), ['127.0.0.1:13260', '127.0.0.2:13260', '127.0.0.3:13260', '127.0.0.4:13260']);
  assert.deepEqual(addrs({ portal: ['127.0.0.1:13260', '127.0.0.2:13261'] }), ['127.0.0.1:13260', '127.0.0.2:13261', '127.0.0.3:13260', '127.0.0.4:13260']);
  // hosts already used by a given port are skipped
  assert.deepEqual(addrs({ portal: ['127.0.5.10:1', '127.0.5.11:2'] }), ['127.0.5.10:1', '127.0.5.11:2', '127.0.5.12:1', '127.0.5.13:1']);
  assert.deepEqual(addrs({ portal: ['127.0.0.1:13260', '127.0.0.3:9'] }), ['127.0.0.1:13260', '127.0.0.3:9', '127.0.0.2:13260', '127.0.0.4:13260']);
  assert.deepEqual(addrs({ portal: ['127.0.0.1:0'] }), ['127.0.0.1:0', '127.0.0.2:0', '127.0.0.3:0', '127.0.0.4:0']);
  const four = ['10.0.0.1:3260', '10.0.0.2:3260', '10.0.0.3:3260', '10.0.0.4:3260'];
  assert.deepEqual(addrs({ portal: four }), four, 'four given addresses need no counting, loopback or not');
  rejects(() => loadConfig({ portal: [...four, '10.0.0.5:3260'] }), 'portal', /5 unnamed portals/, /4 ports \(A0, A1, B0, B1\)/);
  rejects(() => loadConfig({ portal: ['127.0.0.1:1', '127.0.0.1:1'] }), 'portal', /127\.0\.0\.1:1 is used by A0 \(--portal 127\.0\.0\.1:1\) and A1 \(--portal 127\.0\.0\.1:1\); give each port its own address/);
  rejects(() => loadConfig({ portal: ['127.0.0.253:1'] }), 'portal', /no address for B0 below 127\.0\.0\.255/);
});

test('a non-loopback first address is not counted up: the error names the field and both fixes', () => {
  for (const first of ['192.168.1.5:3260', '[::1]:3260']) {
    rejects(() => loadConfig({ portal: [first] }), 'portal', /ports A1, B0, B1 have no address/, /not a loopback IPv4 address/,
      /--portal A0=… --portal A1=… --portal B0=… --portal B1=…/, /run one controller with --controllers 1/);
  }
  rejects(() => loadConfig({ portal: ['A0=10.1.1.1:3260', 'B0=10.1.1.3:3260'] }), 'portal', /--portal A0=10\.1\.1\.1:3260: ports A1, B1 have no address/);
});

test('named --portal NAME=HOST:PORT sets one port; mixed with unnamed, names win and unnamed fill the other ports', () => {
  assert.deepEqual(addrs({ portal: ['A0=127.0.0.1:13260'] }), ['127.0.0.1:13260', '127.0.0.2:13260', '127.0.0.3:13260', '127.0.0.4:13260']);
  assert.deepEqual(addrs({ portal: ['B0=127.0.0.2:13260', '127.0.0.1:13260'] }), ['127.0.0.1:13260', '127.0.0.3:13260', '127.0.0.2:13260', '127.0.0.4:13260']);
  assert.deepEqual(addrs({ portal: ['127.0.0.1:1', 'A0=127.0.0.9:2'] }), ['127.0.0.9:2', '127.0.0.1:1', '127.0.0.2:1', '127.0.0.3:1']);
  const named = ['A0=127.0.0.1:11', 'A1=127.0.0.1:12', 'B0=127.0.0.1:13', 'B1=127.0.0.1:14'];
  assert.deepEqual(addrs({ portal: named }), ['127.0.0.1:11', '127.0.0.1:12', '127.0.0.1:13', '127.0.0.1:14']);
  rejects(() => loadConfig({ portal: [...named, '127.0.0.1:15'] }), 'portal', /1 unnamed portals \(127\.0\.0\.1:15\), but only no port is left/);
  rejects(() => loadConfig({ portal: ['A0=127.0.0.1:1', 'B0=127.0.0.1:1'] }), 'portal', /used by A0 \(--portal A0=127\.0\.0\.1:1\) and B0 \(--portal B0=127\.0\.0\.1:1\)/);
  rejects(() => loadConfig({ portal: ['C0=127.0.0.1:1'] }), 'portal', /--portal C0=127\.0\.0\.1:1: no port named C0 \(ports: A0, A1, B0, B1\)/);
  rejects(() => loadConfig({ portal: ['A0=nohost:1'] }), '--portal', /not an IP address/);
});

test('configuration file: controllers, ports, ipFailover, heartbeats, lease and policy', () => {
  const content = {
    dataDir: '/srv/tandem', api: '127.0.0.1:7300', controllers: 2,
    ports: { A0: '127.0.0.1:13260', A1: '127.0.0.2:13260', B0: '127.0.0.3:13260', B1: '127.0.0.4:13260' },
    ipFailover: { A: 'local', B: 'remote' }, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1000, leaseMs: 1500,
    policy: { failback: 'auto', failbackDelayMs: 2000, nonOwnerState: 'standby', aluaTrespassThreshold: 100, defaultFailoverMode: 1 },
    nopIntervalMs: 2000, nopTimeoutMs: 8000, logLevel: 'debug',
  };
  withFile(content, (file) => {
    const c = loadConfig({ config: file });
    assert.equal(c.controllers, 2);
    assert.equal(c.dataDir, '/srv/tandem');
    assert.deepEqual(c.portals.map((p) => `${p.host}:${p.port}`), Object.values(content.ports));
    assert.deepEqual(c.ipFailover, { A: 'local', B: 'remote' });
    assert.deepEqual([c.heartbeatIntervalMs, c.heartbeatTimeoutMs, c.leaseMs], [200, 1000, 1500]);
    assert.deepEqual(c.policy, content.policy);
    assert.deepEqual([c.nopIntervalMs, c.nopTimeoutMs, c.logLevel], [2000, 8000, 'debug']);
    // flags override the file: a named --portal replaces one port, --controllers the count
    assert.deepEqual(addrs({ config: file, portal: ['B1=127.0.0.9:1'] }).slice(2), ['127.0.0.3:13260', '127.0.0.9:1']);
    rejects(() => loadConfig({ config: file, controllers: 1 }), 'ports', /ports\.A0 127\.0\.0\.1:13260: named ports .* one controller \(--controllers 1\)/);
  });
  withFile({ ipFailover: { B: 'none' } }, (file) => assert.deepEqual(loadConfig({ config: file }).ipFailover, { A: 'both', B: 'none' }));
  withFile({ portals: ['127.0.0.1:13260'] }, (file) => {
    assert.deepEqual(addrs({ config: file }), ['127.0.0.1:13260', '127.0.0.2:13260', '127.0.0.3:13260', '127.0.0.4:13260'], 'file portals act as unnamed --portal');
    assert.deepEqual(addrs({ config: file, portal: ['127.0.0.1:5'] }), ['127.0.0.1:5', '127.0.0.2:5', '127.0.0.3:5', '127.0.0.4:5'], 'unnamed flags replace file portals');
    assert.deepEqual(addrs({ config: file, controllers: 1 }), ['127.0.0.1:13260']);
  });
  withFile({ ports: { A0: '127.0.0.1:4000' }, portals: ['127.0.0.1:5000'] }, (file) => {
    assert.deepEqual(addrs({ config: file }), ['127.0.0.1:4000', '127.0.0.1:5000', '127.0.0.2:5000', '127.0.0.3:5000']);
  });
  withFile({ controllers: 1, portals: ['127.0.0.1:4000'] }, (file) => {
    assert.equal(loadConfig({ config: file }).controllers, 1);
    assert.deepEqual(addrs({ config: file }), ['127.0.0.1:4000']);
    assert.equal(loadConfig({ config: file, controllers: 2 }).portals.length, 4, '--controllers 2 overrides the file');
  });
});

test('configuration file errors name the key and the fix', () => {
  const cases: Array<[unknown, string, RegExp]> = [
    [{ colour: 'red' }, 'colour', /unknown setting 'colour' \(known: .*controllers.*ports.*ipFailover.*leaseMs.*policy/],
    [{ controllers: 3 }, 'controllers', /controllers: only 1 .* or 2/],
    [{ ports: ['127.0.0.1:1'] }, 'ports', /ports must be an object of port name to "HOST:PORT"/],
    [{ ports: { C1: '127.0.0.1:1' } }, 'ports', /ports\.C1: no port named C1 \(ports: A0, A1, B0, B1\)/],
    [{ ports: { A0: 3260 } }, 'ports', /ports\.A0 must be "HOST:PORT"/],
    [{ ports: { A0: '10.0.0.1:3260' } }, 'ports', /ports\.A0 10\.0\.0\.1:3260: ports A1, B0, B1 have no address.*"ports": \{"A0": "HOST:PORT"/],
    [{ ports: { A0: '127.0.0.1:1', A1: '127.0.0.1:1' } }, 'ports', /127\.0\.0\.1:1 is used by A0 \(.*ports\.A0 127\.0\.0\.1:1\) and A1 \(.*ports\.A1 127\.0\.0\.1:1\)/],
    [{ portals: ['127.0.0.1:1', '127.0.0.2:1', '127.0.0.3:1', '127.0.0.4:1', '127.0.0.5:1'] }, 'portals', /portals: 5 unnamed portals/],
    [{ ipFailover: 'both' }, 'ipFailover', /ipFailover must be an object of controller name to mode/],
    [{ ipFailover: { A: 'sideways' } }, 'ipFailover', /ipFailover\.A must be one of local, remote, both, none \(got "sideways"\)/],
    [{ ipFailover: { C: 'local' } }, 'ipFailover', /ipFailover\.C: no controller named C \(controllers: A, B\)/],
    [{ heartbeatIntervalMs: 400 }, 'heartbeatIntervalMs', /heartbeatTimeoutMs \(600\) must be at least twice heartbeatIntervalMs \(400\)/],
    [{ heartbeatTimeoutMs: 150 }, 'heartbeatTimeoutMs', /at least twice/],
    [{ heartbeatIntervalMs: 5 }, 'heartbeatIntervalMs', /heartbeatIntervalMs must be a whole number of milliseconds from 10 to 60000 \(got 5\)/],
    [{ heartbeatTimeoutMs: 900 }, 'heartbeatTimeoutMs', /leaseMs \(800\) must be longer than heartbeatTimeoutMs \(900\).*raise leaseMs/],
    [{ leaseMs: 600 }, 'leaseMs', /leaseMs \(600\) must be longer than heartbeatTimeoutMs \(600\)/],
    [{ leaseMs: 100 }, 'leaseMs', /leaseMs must be a whole number of milliseconds from 200/],
    [{ policy: 'auto' }, 'policy', /policy must be an object/],
    [{ policy: { failback: 'sometimes' } }, 'policy.failback', /policy\.failback: failback must be 'manual' or 'auto'/],
    [{ policy: { colour: 1 } }, 'policy.colour', /unknown policy field 'colour'/],
    [{ policy: { defaultFailoverMode: 7 } }, 'policy.defaultFailoverMode', /defaultFailoverMode must be one of 0 /],
    [{ policy: { heartbeatIntervalMs: 100 } }, 'policy.heartbeatIntervalMs', /set heartbeatIntervalMs at the top level/],
    [{ controllers: 1, ipFailover: { A: 'local' } }, 'ipFailover', /ipFailover applies to the dual-controller array, but this array runs one controller \("controllers": 1 in .*\)/],
    [{ controllers: 1, policy: { failback: 'auto' } }, 'policy', /policy applies to the dual-controller array/],
    [{ controllers: 1, ports: { A0: '127.0.0.1:1' } }, 'ports', /ports\.A0 127\.0\.0\.1:1: named ports/],
    [[1], 'config', /must be a JSON object/],
  ];
  for (const [content, field, pattern] of cases) withFile(content, (file) => rejects(() => loadConfig({ config: file }), field, pattern, new RegExp(file.replace(/[.]/g, '\\.'))));
  withFile('{ not json', (file) => rejects(() => loadConfig({ config: file }), 'config', /--config: cannot read .* as JSON/));
});
