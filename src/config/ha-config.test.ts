// The dual-controller layout built from a loaded configuration: port names, TPGTs,
// relative port ids, ALUA groups, per-controller ipFailover, heartbeat/lease timing and
// the initial policy. Prevents a configured value that never reaches the supervisor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import { applyNamedPortals, defaultHaConfig, haConfigFrom, portByName } from './ha-config.js';

const layout = (ha: ReturnType<typeof haConfigFrom>) =>
  ha.controllers.flatMap((c) => c.ports.map((p) => [c.name, c.ipFailover, p.name, `${p.host}:${p.port}`, p.tpgt, p.relativeTargetPortId, p.targetPortGroupId]));

test('default layout: A0 A1 on A (ALUA group 1), B0 B1 on B (group 2), TPGT = relative port id 1..4, 127.0.0.1..4:3260', () => {
  const ha = defaultHaConfig();
  assert.deepEqual(layout(ha), [
    ['A', 'both', 'A0', '127.0.0.1:3260', 1, 1, 1], ['A', 'both', 'A1', '127.0.0.2:3260', 2, 2, 1],
    ['B', 'both', 'B0', '127.0.0.3:3260', 3, 3, 2], ['B', 'both', 'B1', '127.0.0.4:3260', 4, 4, 2],
  ]);
  assert.deepEqual(ha.controllers.map((c) => c.index), [1, 2]);
  assert.deepEqual([ha.heartbeatIntervalMs, ha.heartbeatTimeoutMs, ha.leaseMs], [100, 600, 800]);
  assert.equal(ha.policy, undefined);
  assert.deepEqual(layout(haConfigFrom(loadConfig({}))), layout(ha));
  assert.throws(() => defaultHaConfig(3), /only 1 or 2/);
});

test('a configuration file reaches the layout: addresses, ipFailover, timing and policy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ha-cfg-'));
  try {
    const file = join(dir, 'tandem.json');
    writeFileSync(file, JSON.stringify({
      ports: { B0: '127.0.0.7:4000' }, portals: ['127.0.0.1:5000'], ipFailover: { A: 'local', B: 'none' },
      heartbeatIntervalMs: 50, heartbeatTimeoutMs: 300, leaseMs: 400, policy: { failback: 'auto', failbackDelayMs: 10 },
    }));
    const ha = haConfigFrom(loadConfig({ config: file, portal: ['B1=127.0.0.8:4001'] }));
    assert.deepEqual(layout(ha), [
      ['A', 'local', 'A0', '127.0.0.1:5000', 1, 1, 1], ['A', 'local', 'A1', '127.0.0.2:5000', 2, 2, 1],
      ['B', 'none', 'B0', '127.0.0.7:4000', 3, 3, 2], ['B', 'none', 'B1', '127.0.0.8:4001', 4, 4, 2],
    ]);
    assert.deepEqual([ha.heartbeatIntervalMs, ha.heartbeatTimeoutMs, ha.leaseMs], [50, 300, 400]);
    assert.deepEqual(ha.policy, { failback: 'auto', failbackDelayMs: 10 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a single-controller configuration has no dual-controller layout', () => {
  assert.throws(() => haConfigFrom(loadConfig({ controllers: 1 })), /needs controllers 2/);
});

test('default HA config: A0 A1 B0 B1 with TPGT/relative ids 1..4 and ALUA groups 1 (A) and 2 (B); named overrides', () => {
  const ha = defaultHaConfig(2);
  assert.deepEqual(ha.controllers.flatMap((c) => c.ports.map((p) => [p.name, `${p.host}:${p.port}`, p.tpgt, p.relativeTargetPortId, p.targetPortGroupId])), [
    ['A0', '127.0.0.1:3260', 1, 1, 1], ['A1', '127.0.0.2:3260', 2, 2, 1], ['B0', '127.0.0.3:3260', 3, 3, 2], ['B1', '127.0.0.4:3260', 4, 4, 2],
  ]);
  assert.deepEqual(applyNamedPortals(ha, ['A0=127.0.0.1:13260', '127.0.0.9:1']), ['127.0.0.9:1']);
  assert.equal(portByName(ha, 'A0')?.port.port, 13260);
  assert.throws(() => applyNamedPortals(ha, ['C0=127.0.0.1:1']), /no port named C0/);
  assert.throws(() => applyNamedPortals(ha, ['B0=127.0.0.1:13260']), /used by two ports/);
  assert.throws(() => defaultHaConfig(3), /only 1 or 2/);
});
