// The HA commands of the CLI against the real API with a FakeClusterControl:
// buildProgram/runCli with a fetch served by app.inject (tables, --json, exit codes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { Store } from '../store/store.js';
import { createControlServices } from '../management/index.js';
import { FakeDataPlane } from '../management/test-support/fake-data-plane.js';
import { FakeClusterControl } from '../management/test-support/fake-cluster.js';
import { silentLogger } from '../lib/logger.js';
import { buildApp } from './app.js';
import { runCli } from '../cli/program.js';
import { ExitCode } from '../lib/exit-codes.js';

const TOKEN = 'd'.repeat(64);

function injectFetch(app: FastifyInstance, seen: string[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    seen.push(`${method} ${url.pathname}${url.search}${init?.body !== undefined ? ` ${String(init.body)}` : ''}`);
    const r = await app.inject({
      method: method as 'GET', url: url.pathname + url.search, headers: init?.headers as Record<string, string>,
      ...(init?.body !== undefined ? { payload: init.body as string } : {}),
    });
    return new Response(r.statusCode === 204 ? null : r.body, { status: r.statusCode, headers: { 'content-type': String(r.headers['content-type'] ?? 'application/json') } });
  }) as typeof fetch;
}

function harness(opts: { single?: boolean } = {}) {
  const store = Store.openFile(':memory:');
  const dataPlane = new FakeDataPlane();
  const services = createControlServices(store, dataPlane, { volumeDir: '/vols', defaultBacking: 'memory' });
  const cluster = new FakeClusterControl({ alerts: services.alerts });
  const app = buildApp({ services, dataPlane, token: TOKEN, logger: silentLogger(), ...(opts.single ? {} : { cluster }) });
  const seen: string[] = [];
  const fetch = injectFetch(app, seen);
  const run = async (args: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args.split(' ').filter(Boolean), { out: (s) => out.push(s), err: (s) => err.push(s),
      env: { TANDEM_API: 'http://array.test:8080', TANDEM_TOKEN: TOKEN }, fetch });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  return { run, seen, cluster, services };
}

test('controller list/show/enable/disable: table, --json, exit codes', async () => {
  const { run, seen } = harness();
  assert.equal((await run('volume create v1 --size 1G')).code, 0);
  let r = await run('controller list');
  assert.equal(r.code, ExitCode.Ok, r.err);
  const lines = r.out.split('\n');
  assert.match(lines[0]!, /^NAME\s+PID\s+STATE\s+PORTS\s+VOLUMES$/);
  assert.match(lines[1]!, /^A\s+\d+\s+online\s+A0 127\.0\.1\.1:3260 → A, A1 127\.0\.1\.2:3260 → A\s+v1$/);
  assert.match(lines[2]!, /^B\s+\d+\s+online\s+B0 127\.0\.2\.1:3260 → B, B1 127\.0\.2\.2:3260 → B\s+-$/);
  r = await run('--json controller list');
  assert.deepEqual(JSON.parse(r.out).map((c: { name: string; state: string }) => [c.name, c.state]), [['A', 'online'], ['B', 'online']]);
  r = await run('controller show A');
  assert.match(r.out, /State:\s+online/);
  assert.match(r.out, /Volumes owned:\s+v1/);
  assert.match(r.out, /PORT\s+ADDRESS\s+LINK\s+SERVED BY\nA0\s+127\.0\.1\.1:3260\s+up\s+A/);
  r = await run('controller show C');
  assert.equal(r.code, ExitCode.NotFound);
  assert.equal(r.err, "error: controller 'C' does not exist: this array has controllers A, B");
  assert.equal((await run('controller disable A')).out, 'controller A disabled: disabled');
  assert.match((await run('controller list')).out, /\nA\s+-\s+disabled\s+A0 127\.0\.1\.1:3260 → B, A1 127\.0\.1\.2:3260 → B\s+-\nB\s+\d+\s+online\s+.*v1$/);
  r = await run('controller disable B');
  assert.equal(r.code, ExitCode.Conflict);
  assert.match(r.err, /would leave no controller/);
  r = await run('controller failback A');
  assert.equal(r.code, ExitCode.Conflict, 'a disabled controller takes nothing back');
  assert.match(r.err, /controller A is disabled: it cannot take its volumes back/);
  assert.match((await run('controller enable A')).out, /^controller A enabled: online \(pid \d+\)$/);
  assert.match((await run('controller show B')).out, /Volumes owned:\s+v1/, 'manual failback: v1 stays on B');
  assert.equal((await run('controller failback A')).out, 'failback to A: v1 (from B)');
  assert.equal((await run('controller failback A')).out, 'controller A already owns every volume that prefers it');
  assert.deepEqual(JSON.parse((await run('--json controller failback A')).out), { controller: 'A', moved: [] });
  assert.equal((await run('controller frob A')).code, ExitCode.Usage);
  assert.equal((await run('controller show')).code, ExitCode.Usage, 'missing name');
  assert.ok(seen.includes('POST /v1/controllers/A/enable'));
});

test('volume list/show gain owner columns; trespass, move, auto-trespass', async () => {
  const { run, seen, cluster } = harness();
  await run('volume create v1 --size 1G');
  await run('volume create v2 --size 1G');
  let r = await run('volume list');
  const lines = r.out.split('\n');
  assert.match(lines[0]!, /^NAME\s+SIZE\s+BLOCK\s+ALLOCATED\s+PROTECTED\s+MAPPINGS\s+OWNER\s+PREFERRED\s+NAA$/);
  assert.match(lines[1]!, /^v1\s.*\s0\s+A\s+A\s+6[0-9a-f]{31}$/);
  assert.match(lines[2]!, /^v2\s.*\s0\s+B\s+B\s+6[0-9a-f]{31}$/);
  assert.equal((await run('volume trespass v1')).out, 'volume v1 trespassed from A to B');
  assert.equal((await run('volume trespass v1 --to A')).out, 'volume v1 trespassed from B to A');
  assert.equal((await run('volume trespass v1 --to A')).out, 'volume v1 is already owned by A');
  r = await run('--json volume trespass v2 --to A');
  assert.deepEqual(JSON.parse(r.out), { volume: 'v2', from: 'B', to: 'A' });
  r = await run('volume show v2');
  assert.match(r.out, /Current owner:\s+A\nPreferred owner:\s+B\nAuto-trespass:\s+no/);
  assert.equal((await run('volume trespass v1 --to C')).code, ExitCode.NotFound);
  assert.equal((await run('volume trespass ghost')).code, ExitCode.NotFound);
  cluster.setState('B', 'fenced');
  r = await run('volume trespass v1 --to B');
  assert.equal(r.code, ExitCode.Conflict);
  assert.match(r.err, /controller B is fenced/);
  cluster.setState('B', 'online');
  assert.match((await run('volume create v3 --size 1G --owner B')).out, /^volume v3 created: 1 GiB, 512-byte blocks, NAA 6[0-9a-f]{31}, owner B$/);
  assert.equal((await run('volume create v4 --size 1G --owner Q')).code, ExitCode.NotFound);
  assert.equal((await run('volume move v1 --to B')).out, 'volume v1 now prefers controller B (current owner B)');
  assert.equal((await run('volume move v1')).code, ExitCode.Usage, '--to is required');
  assert.equal((await run('volume auto-trespass v1 on')).out, 'volume v1 auto-trespass on');
  assert.match((await run('volume show v1')).out, /Auto-trespass:\s+yes/);
  r = await run('volume auto-trespass v1 maybe');
  assert.equal(r.code, ExitCode.Usage);
  assert.match(r.err, /on or off/);
  assert.ok(seen.includes('PATCH /v1/volumes/v1 {"autoTrespass":true}'));
  assert.ok(seen.includes('POST /v1/volumes/v1/trespass {}'));
});

test('fault commands send the right body and print the runtime message; alerts follow', async () => {
  const { run, seen } = harness();
  await run('volume create v1 --size 1G');
  let r = await run('fault kill-controller B');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^controller B killed \(SIGKILL to pid \d+\); A took over its volumes and addresses$/);
  assert.equal((await run('fault kill-controller B')).code, ExitCode.Conflict);
  assert.equal((await run('fault kill-controller Z')).code, ExitCode.NotFound);
  assert.equal((await run('fault port-down A0')).out, 'port A0 (127.0.1.1:3260) link down');
  assert.equal((await run('fault port-up A0')).out, 'port A0 (127.0.1.1:3260) link up');
  assert.equal((await run('fault port-down X9')).code, ExitCode.NotFound);
  assert.equal((await run('fault peer-link-cut')).out, 'peer link cut');
  assert.equal((await run('fault peer-link-restore')).out, 'peer link restored');
  assert.equal((await run('fault backend-fail A --volume v1')).out, 'back end of controller A for volume v1 failed');
  assert.equal((await run('fault backend-repair A')).out, 'back end of controller A repaired');
  assert.equal((await run('fault backend-fail A --volume ghost')).code, ExitCode.NotFound);
  assert.equal((await run('fault kill-controller')).code, ExitCode.Usage);
  assert.equal((await run('fault meteor')).code, ExitCode.Usage);
  assert.ok(seen.includes('POST /v1/faults {"kind":"backend-fail","controller":"A","volume":"v1"}'));

  r = await run('alerts');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ID\s+RAISED\s+SEVERITY\s+ALERT\s+ACTION\n\s*1\s+\S+\s+error\s+controller B failed: waiting for operator enable\s+find the cause in the event log, then run: tandem controller enable B$/);
  assert.ok(seen.includes('GET /v1/alerts?open=true'));
  assert.equal((await run('controller enable B')).code, 0);
  assert.equal((await run('alerts')).out, 'no open alerts');
  r = await run('alerts --all');
  assert.match(r.out, /^ID\s+RAISED\s+SEVERITY\s+CLEARED\s+ALERT\s+ACTION\n\s*1\s+\S+\s+error\s+20\d\d-\S+\s+controller B failed/);
  assert.equal(JSON.parse((await run('--json alerts --all')).out).length, 1);
  await run('fault kill-controller A');
  const id = JSON.parse((await run('--json alerts')).out)[0].id as number;
  assert.equal((await run(`alerts clear ${id}`)).out, `alert ${id} cleared: controller A failed: waiting for operator enable`);
  assert.equal((await run('alerts clear 999')).code, ExitCode.NotFound);
  assert.equal((await run('alerts clear x')).code, ExitCode.Usage);
});

test('cluster policy show/set; host set-failover-mode; single-controller arrays say so', async () => {
  const { run, seen } = harness();
  let r = await run('cluster policy');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Failback:\s+manual/);
  assert.match(r.out, /Default failover mode:\s+4 ALUA/);
  assert.equal((await run('cluster policy show')).out, r.out);
  r = await run('cluster policy set --failback auto --failback-delay 3000');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^policy updated\nFailback:\s+auto\nFailback delay:\s+3000 ms/);
  assert.ok(seen.includes('PATCH /v1/cluster/policy {"failback":"auto","failbackDelayMs":3000}'));
  assert.equal((await run('cluster policy set --failback sometimes')).code, ExitCode.Usage);
  assert.equal((await run('cluster policy set')).code, ExitCode.Usage, 'nothing to set');
  r = await run('cluster policy set --heartbeat-timeout 150');
  assert.equal(r.code, ExitCode.Usage, 'the API refuses it (400)');
  assert.match(r.err, /at least twice heartbeatIntervalMs/);
  assert.equal(JSON.parse((await run('--json cluster policy')).out).failback, 'auto');

  await run('host create esx1 --initiator iqn.1998-01.com.vmware:esx1');
  assert.match((await run('host list')).out, /^NAME\s+INITIATORS\s+CHAP\s+GROUPS\s+FAILOVER\nesx1\s+iqn\.1998-01\.com\.vmware:esx1\s+none\s+-\s+default$/);
  assert.equal((await run('host set-failover-mode esx1 1')).out, 'host esx1 failover mode: 1 passive not ready');
  assert.match((await run('host list')).out, /esx1\s+.*\s1 passive not ready$/);
  assert.match((await run('host show esx1')).out, /Failover mode:\s+1 passive not ready/);
  assert.equal((await run('host set-failover-mode esx1 0')).out, 'host esx1 failover mode: 0 auto-trespass');
  assert.equal((await run('host set-failover-mode esx1 default')).out, "host esx1 failover mode: default (the array's default mode)");
  r = await run('host set-failover-mode esx1 7');
  assert.equal(r.code, ExitCode.Usage);
  assert.equal(r.err, "error: failover mode '7' is not valid: use 0 auto-trespass, 1 passive not ready, 2 DMP, 3 passive always ready, 4 ALUA, or 'default' (the array's default mode)");
  assert.equal((await run('host set-failover-mode ghost 4')).code, ExitCode.NotFound);
  assert.equal(JSON.parse((await run('--json host show esx1')).out).failoverMode, null);

  const single = harness({ single: true });
  await single.run('volume create v1 --size 1G');
  r = await single.run('controller list');
  assert.equal(r.code, ExitCode.NotFound);
  assert.match(r.err, /this array runs a single controller/);
  assert.match((await single.run('volume list')).out, /^NAME\s+SIZE\s+BLOCK\s+ALLOCATED\s+PROTECTED\s+MAPPINGS\s+NAA\n/, 'no owner columns');
  assert.equal((await single.run('volume trespass v1')).code, ExitCode.NotFound);
  assert.equal((await single.run('alerts')).out, 'no open alerts');
});
