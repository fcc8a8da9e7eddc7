/**
 * Integration with real peers: our iSCSI target (real SCSI core with ALUA, two portals
 * in two target port groups) and our initiator (InitiatorSession), each path through a
 * TCP proxy so a path can be cut. Proves, over real TCP: grouping by NAA, I/O only on
 * the active/optimized group, I/O following an ALUA change, and a path lost mid-I/O
 * without an error reaching the caller.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { MemoryDevice } from '../block/memory-device.js';
import { InitiatorSession } from '../iscsi/initiator/index.js';
import { TcpProxy } from '../iscsi/initiator/test-support/tcp-proxy.js';
import { IscsiTarget } from '../iscsi/target/iscsi-target.js';
import type { ScsiOutcome, ScsiRequest } from '../iscsi/initiator/types.js';
import { silentLogger } from '../lib/logger.js';
import { LogicalUnit, ScsiTarget } from '../scsi/index.js';
import { MultipathDevice } from './multipath-device.js';
import type { PathTransport } from './path-transport.js';

const IQN = 'iqn.2026-11.test:mp-target';

class SessionPath extends EventEmitter implements PathTransport {
  constructor(readonly id: string, readonly portal: string, readonly s: InitiatorSession) {
    super();
    s.on('up', () => this.emit('up'));
    s.on('down', (r) => this.emit('down', r));
  }
  get connected(): boolean {
    return this.s.state === 'up';
  }
  execute(req: ScsiRequest): Promise<ScsiOutcome> {
    return this.s.execute(0, req);
  }
  close(): Promise<void> {
    return this.s.close();
  }
}

let target: IscsiTarget;
let lu: LogicalUnit;
let proxies: TcpProxy[] = [];
let dev: MultipathDevice;

before(async () => {
  const device = new MemoryDevice(512, 8 * 1024 * 1024);
  lu = new LogicalUnit({ identity: { name: 'vol1', naa: Buffer.from('6001405a0b0c0d0e0f10111213141599', 'hex'), serial: 'MP0001', vendor: 'TANDEM', product: 'VOLUME', revision: '0001' }, device });
  lu.setAluaState(2, 'active-non-optimized');
  const luns = new Map([[0, lu]]);
  const ports = [1, 2].map((i) => ({ relativeTargetPortId: i, targetPortGroupId: i, name: `${IQN},t,0x000${i}` }));
  const core = new ScsiTarget({ access: { lunsFor: () => luns }, ports });
  target = new IscsiTarget({
    targetName: IQN,
    portals: [1, 2].map((i) => ({ host: '127.0.0.1', port: 0, tpgt: i, relativeTargetPortId: i, targetPortGroupId: i })),
    scsi: { execute: (c) => core.execute(c), taskManagement: (r) => core.taskManagement(r), lunsFor: (n) => core.lunsFor(n), nexusCreated: (n) => core.nexusCreated(n), nexusLost: (n) => core.nexusLost(n) },
    auth: { isAllowed: () => true, chapFor: () => undefined },
    logger: silentLogger(),
    nopInterval: 0,
  });
  await target.start();
  const paths: SessionPath[] = [];
  for (const [i, portal] of target.boundPortals().entries()) {
    const proxy = new TcpProxy(portal.port);
    await proxy.start();
    proxies.push(proxy);
    const s = new InitiatorSession({ host: '127.0.0.1', port: proxy.port, targetName: IQN, initiatorName: `iqn.2026-11.test:mp-host`, nopInterval: 0, commandTimeout: 5000, reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, logger: silentLogger() });
    await s.connect();
    paths.push(new SessionPath(`p${i}`, `127.0.0.1:${portal.port}`, s));
  }
  dev = await MultipathDevice.create(paths, { name: 'tandem0', selector: 'round-robin', checkerIntervalMs: 100, noPathRetryMs: 10_000, explicitFailover: false });
});

after(async () => {
  await dev?.close();
  for (const p of proxies) await p.stop();
  await target?.stop(50);
});

test('one device by NAA; I/O only through the active/optimized group', async () => {
  const st = dev.status();
  assert.equal(st.wwid, 'naa.6001405a0b0c0d0e0f10111213141599');
  assert.equal(dev.sizeBytes, 8 * 1024 * 1024);
  assert.deepEqual(st.paths.map((p) => [p.targetPortGroup, p.aluaState, p.state]), [[1, 'active-optimized', 'alive'], [2, 'active-non-optimized', 'alive']]);
  const before = st.paths.map((p) => p.ios);
  for (let i = 0; i < 10; i++) await dev.write(i * 4096, Buffer.alloc(4096, i + 1));
  const after = dev.status().paths.map((p) => p.ios);
  assert.deepEqual([after[0]! - before[0]!, after[1]! - before[1]!], [10, 0]);
});

test('ALUA change on the array (UA 2Ah/06h): I/O follows the new optimized group', async () => {
  lu.setAluaState(1, 'standby');
  lu.setAluaState(2, 'active-optimized');
  await dev.write(0, Buffer.alloc(4096, 0xaa));
  const st = dev.status();
  assert.deepEqual(st.paths.map((p) => [p.aluaState, p.state]), [['standby', 'ghost'], ['active-optimized', 'alive']]);
  const before = st.paths.map((p) => p.ios);
  assert.deepEqual(await dev.read(0, 4096), Buffer.alloc(4096, 0xaa));
  assert.equal(dev.status().paths[0]!.ios, before[0]);
  lu.setAluaState(1, 'active-optimized');
  lu.setAluaState(2, 'active-non-optimized');
  await dev.read(0, 512); // UA ⇒ RTPG
  assert.deepEqual(dev.status().paths.map((p) => p.aluaState), ['active-optimized', 'active-non-optimized']);
});

test('the optimized path is cut mid-I/O: writes complete on the other path, all read back', async () => {
  const writes: Promise<void>[] = [];
  for (let i = 0; i < 200; i++) {
    writes.push(dev.write(i * 4096, Buffer.alloc(4096, (i % 250) + 1)));
    if (i === 50) await proxies[0]!.stop(); // connection reset, and no reconnect possible
  }
  await Promise.all(writes);
  for (let i = 0; i < 200; i++) assert.deepEqual(await dev.read(i * 4096, 4096), Buffer.alloc(4096, (i % 250) + 1), `block ${i}`);
  const st = dev.status();
  assert.equal(st.paths[0]!.state, 'dead');
  assert.ok(st.paths[0]!.errors >= 1, 'writes were in flight on the cut path');
  assert.equal(st.paths[1]!.state, 'alive');
});
