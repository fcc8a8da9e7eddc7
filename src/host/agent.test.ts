import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../lib/logger.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import { HostAgent } from './agent.js';
import { parseHostConfig, type HostConfig } from './config.js';
import { FakeInitiator, FakeMultipath } from './test-support/fake-deps.js';
import { RawNbdClient, goData } from './nbd/test-support/raw-nbd-client.js';
import { Opt, Rep } from './nbd/constants.js';

const dir = mkdtempSync(join(tmpdir(), 'host-agent-'));
const agents: HostAgent[] = [];
// A failed assertion must not leave an NBD listener open (the run would never end).
after(async () => {
  RawNbdClient.closeAll();
  await Promise.all(agents.map((a) => a.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, portals = ['127.0.0.1:3261', '127.0.0.1:3262']): HostConfig {
  return parseHostConfig({ arrays: [{ name: 'a1', portals, initiatorName: 'iqn.2026-11.test:h' }], nbd: { tcp: '127.0.0.1:0' }, dataDir: join(dir, name) });
}

function setup(name: string, luns: Record<string, number[]>, retryMs = 0) {
  const ini = new FakeInitiator();
  for (const [p, l] of Object.entries(luns)) ini.luns.set(p, l);
  const mp = new FakeMultipath();
  const agent = new HostAgent(config(name), { initiator: ini, multipath: mp, logger: silentLogger() }, retryMs);
  agents.push(agent);
  return { ini, mp, agent };
}

test('one session per portal, one path per LUN, paths grouped into devices exported under pseudo name and NAA alias', async () => {
  const { ini, agent } = setup('a', { '127.0.0.1:3261': [0, 1], '127.0.0.1:3262': [0, 1] });
  const r = await agent.start();
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.newDevices.sort(), ['tandem0', 'tandem1']);
  assert.equal(ini.sessions.length, 2);
  const devs = agent.list();
  assert.deepEqual(devs.map((d) => [d.name, d.paths.length]), [['tandem0', 2], ['tandem1', 2]]);
  assert.deepEqual(devs.map((d) => d.exports[1]).sort(), ['naa.0', 'naa.1']);
  assert.ok(agent.pathIds().includes('127.0.0.1:3261,tpgt1,lun0'));
  // NBD clients see both names.
  const c = await RawNbdClient.open({ port: agent.nbd.tcpAddress!.port });
  await c.read(18);
  c.write(Buffer.from([0, 0, 0, 3]));
  c.option(Opt.LIST);
  const names: string[] = [];
  for (let o = await c.optionReply(); o.type !== Rep.ACK; o = await c.optionReply()) names.push(o.data.toString('utf8', 4));
  assert.deepEqual(names.sort(), ['naa.0', 'naa.1', 'tandem0', 'tandem1']);
  c.option(Opt.INFO, goData('naa.1'));
  assert.equal((await c.optionReply()).type, Rep.INFO);
  c.close();
  // Rescan with nothing new adds nothing and logs in to nothing new.
  const again = await agent.rescan();
  assert.deepEqual([again.newDevices, again.newPaths], [[], []]);
  assert.equal(ini.sessions.length, 2);
  await agent.stop();
  assert.ok(ini.sessions.every((s) => s.closed), 'stop logs every session out');
});

test('pseudo names are stable across restarts (devices.json), whatever order devices appear in', async () => {
  const first = setup('names', { '127.0.0.1:3261': [5, 7] });
  await first.agent.start();
  const before = Object.fromEntries(first.agent.list().map((d) => [d.exports[1], d.name]));
  await first.agent.stop();
  const second = setup('names', { '127.0.0.1:3261': [9, 7] });
  await second.agent.start();
  const after2 = Object.fromEntries(second.agent.list().map((d) => [d.exports[1], d.name]));
  assert.equal(after2['naa.7'], before['naa.7']);
  assert.ok(!Object.values(before).includes(after2['naa.9']!), 'a new device gets a fresh name');
  assert.ok(JSON.parse(readFileSync(join(dir, 'names', 'devices.json'), 'utf8'))['naa.9']);
  await second.agent.stop();
});

test('rescan finds new LUNs and paths; a portal that fails discovery is reported and retried', async () => {
  const { ini, agent } = setup('rescan', { '127.0.0.1:3261': [0] }, 30);
  const r = await agent.start();
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!, /127\.0\.0\.1:3262: discovery failed/);
  ini.luns.set('127.0.0.1:3262', [0]);
  ini.luns.set('127.0.0.1:3261', [0, 3]);
  const deadline = Date.now() + 2000;
  while (agent.list().find((d) => d.exports[1] === 'naa.0')!.paths.length < 2) {
    assert.ok(Date.now() < deadline, 'the retry timer rescanned');
    await new Promise((res) => setTimeout(res, 10));
  }
  const r2 = await agent.rescan();
  assert.deepEqual(r2.errors, []);
  assert.equal(agent.list().length, 2);
  await agent.stop();
});

test('path remove: unknown → not found; last path or busy path → conflict unless forced; the session is kept while other LUNs use it', async () => {
  const { ini, mp, agent } = setup('remove', { '127.0.0.1:3261': [0, 1], '127.0.0.1:3262': [0] });
  await agent.start();
  await assert.rejects(agent.removePath('nope'), NotFoundError);
  await assert.rejects(agent.removePath('127.0.0.1:3261,tpgt1,lun1'), (e: Error) => e instanceof ConflictError && /last path/.test(e.message));
  const dev0 = mp.devices.find((d) => d.key === 'naa.0')!;
  dev0.inflightOf.set('127.0.0.1:3261,tpgt1,lun0', 3);
  await assert.rejects(agent.removePath('127.0.0.1:3261,tpgt1,lun0'), (e: Error) => e instanceof ConflictError && /carrying 3/.test(e.message));
  dev0.inflightOf.clear();
  await agent.removePath('127.0.0.1:3261,tpgt1,lun0');
  assert.equal(agent.list().find((d) => d.name === dev0.name)!.paths.length, 1);
  assert.equal(ini.sessions.find((s) => s.p.port === 3261)!.closed, false, 'LUN 1 still uses the session');
  await agent.removePath('127.0.0.1:3261,tpgt1,lun1', true);
  assert.equal(ini.sessions.find((s) => s.p.port === 3261)!.closed, true, 'the last path of a session logs it out');
  await agent.stop();
});

test('path names carry the real TPGT of each portal (four addresses on one TCP port) and need no shell quoting', async () => {
  const portals = ['127.0.0.1:3260', '127.0.0.2:3260', '127.0.0.3:3260', '127.0.0.4:3260'];
  const ini = new FakeInitiator();
  portals.forEach((p, i) => {
    ini.luns.set(p, [0]);
    ini.tpgts.set(p, i + 1);
  });
  const agent = new HostAgent(config('tpgt', portals), { initiator: ini, multipath: new FakeMultipath(), logger: silentLogger() }, 0);
  agents.push(agent);
  await agent.start();
  assert.deepEqual(agent.pathIds().sort(), ['127.0.0.1:3260,tpgt1,lun0', '127.0.0.2:3260,tpgt2,lun0', '127.0.0.3:3260,tpgt3,lun0', '127.0.0.4:3260,tpgt4,lun0']);
  // Only characters no POSIX shell (nor zsh's globbing) treats specially.
  for (const id of agent.pathIds()) assert.match(id, /^[A-Za-z0-9.:,_+=@%/-]+$/, id);
  await agent.stop();
});

test('the TPGT a login declares wins; without one the SendTargets entry of the same host and port; an IPv6 portal loses its brackets', async () => {
  const ini = new FakeInitiator();
  ini.luns.set('127.0.0.2:3260', [0]);
  ini.luns.set('::1:3260', [0]);
  ini.tpgts.set('127.0.0.2:3260', 2);
  ini.tpgts.set('::1:3260', 7);
  ini.silentLogin = true;
  const agent = new HostAgent(config('tpgt-discovery', ['127.0.0.2:3260', '[::1]:3260']), { initiator: ini, multipath: new FakeMultipath(), logger: silentLogger() }, 0);
  agents.push(agent);
  await agent.start();
  assert.deepEqual(agent.pathIds().sort(), ['127.0.0.2:3260,tpgt2,lun0', '::1:3260,tpgt7,lun0']);
  await agent.stop();
  const ini2 = new FakeInitiator();
  ini2.luns.set('127.0.0.3:3260', [0]);
  ini2.tpgts.set('127.0.0.3:3260', 3);
  const lying = Object.assign(Object.create(ini2) as FakeInitiator, { discover: async () => [{ targetName: ini2.target, portals: [{ host: '127.0.0.9', port: 3260, tpgt: 1 }] }] });
  const a2 = new HostAgent(config('tpgt-login', ['127.0.0.3:3260']), { initiator: lying, multipath: new FakeMultipath(), logger: silentLogger() }, 0);
  agents.push(a2);
  await a2.start();
  assert.deepEqual(a2.pathIds(), ['127.0.0.3:3260,tpgt3,lun0'], 'the login answer names the portal group, whatever discovery listed');
  await a2.stop();
});
