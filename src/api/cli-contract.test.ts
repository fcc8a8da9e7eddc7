// The CLI against the real API: buildProgram/runCli with a fetch served by app.inject.
// It lives here, not in src/cli, because the CLI folder may not import the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { Store } from '../store/store.js';
import { createControlServices } from '../management/index.js';
import { FakeDataPlane } from '../management/test-support/fake-data-plane.js';
import { silentLogger } from '../lib/logger.js';
import { buildApp } from './app.js';
import { runCli } from '../cli/program.js';
import { ExitCode } from '../lib/exit-codes.js';

const TOKEN = 'b'.repeat(64);

/** A fetch that serves requests from app.inject, so the CLI is tested over its real HTTP contract. */
function injectFetch(app: FastifyInstance, seen: string[] = []): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    seen.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search}`);
    const r = await app.inject({
      method: (init?.method ?? 'GET') as 'GET',
      url: url.pathname + url.search,
      headers: init?.headers as Record<string, string>,
      ...(init?.body !== undefined ? { payload: init.body as string } : {}),
    });
    return new Response(r.statusCode === 204 ? null : r.body, { status: r.statusCode, headers: { 'content-type': String(r.headers['content-type'] ?? 'application/json') } });
  }) as typeof fetch;
}

function harness() {
  const store = Store.openFile(':memory:');
  const dataPlane = new FakeDataPlane();
  const services = createControlServices(store, dataPlane, { volumeDir: '/vols', defaultBacking: 'memory' });
  const app = buildApp({ services, dataPlane, token: TOKEN, logger: silentLogger() });
  const seen: string[] = [];
  const fetch = injectFetch(app, seen);
  const run = async (args: string, env: NodeJS.ProcessEnv = { TANDEM_API: 'http://array.test:8080', TANDEM_TOKEN: TOKEN }) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args.split(' ').filter(Boolean), { out: (s) => out.push(s), err: (s) => err.push(s), env, fetch });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  return { app, run, seen, dataPlane };
}

test('volume create, list (table and --json), show, resize, delete', async () => {
  const { run, seen } = harness();
  let r = await run('volume create v1 --size 10G');
  assert.equal(r.code, ExitCode.Ok, r.err);
  assert.match(r.out, /^volume v1 created: 10 GiB, 512-byte blocks, NAA 6[0-9a-f]{31}$/);
  assert.equal((await run('volume create data-2 --size 512M --block-size 4096')).code, 0);
  r = await run('volume list');
  const lines = r.out.split('\n');
  assert.match(lines[0]!, /^NAME\s+SIZE\s+BLOCK\s+ALLOCATED\s+PROTECTED\s+MAPPINGS\s+NAA$/);
  assert.match(lines[1]!, /^data-2\s+512 MiB\s+4096\s+4 KiB\s+no\s+0\s+6/);
  assert.match(lines[2]!, /^v1\s+10 GiB\s+512/);
  assert.equal(lines[1]!.indexOf('512 MiB') + '512 MiB'.length, lines[2]!.indexOf('10 GiB') + '10 GiB'.length, 'sizes right-aligned');
  r = await run('--json volume list');
  const vs = JSON.parse(r.out);
  assert.deepEqual(vs.map((v: { name: string }) => v.name), ['data-2', 'v1']);
  r = await run('volume show v1');
  assert.match(r.out, /Size:\s+10 GiB \(10737418240 bytes\)/);
  assert.match(r.out, /not mapped/);
  assert.equal((await run('volume resize v1 --size 20G')).out, 'volume v1 is now 20 GiB');
  r = await run('volume resize v1 --size 1G');
  assert.equal(r.code, ExitCode.Usage);
  assert.match(r.err, /--force/);
  assert.equal((await run('volume resize v1 --size 1G --force')).code, 0);
  assert.equal((await run('volume protect v1')).out, 'volume v1 is now write-protected');
  assert.equal((await run('volume delete v1')).code, 0);
  assert.ok(seen.includes('DELETE /v1/volumes/v1'));
});

test('exit codes: usage, not found, conflict, unauthorized, unreachable', async () => {
  const { run } = harness();
  let r = await run('volume frobnicate');
  assert.equal(r.code, ExitCode.Usage);
  assert.match(r.err, /unknown command 'frobnicate'/);
  assert.match(r.err, /Usage: tandem volume/);
  r = await run('volume list --bogus');
  assert.equal(r.code, ExitCode.Usage);
  assert.match(r.err, /unknown option '--bogus'/);
  assert.equal((await run('volume create v1')).code, ExitCode.Usage, 'missing --size');
  r = await run('volume create v1 --size 10X');
  assert.equal(r.code, ExitCode.Usage);
  assert.match(r.err, /--size '10X' is not a size/);
  assert.equal((await run('')).code, ExitCode.Usage, 'no command prints usage');
  assert.equal((await run('--help')).code, ExitCode.Ok);
  r = await run('volume show ghost');
  assert.equal(r.code, ExitCode.NotFound);
  assert.equal(r.err, "error: volume 'ghost' does not exist");
  r = await run('--json volume show ghost');
  assert.deepEqual(JSON.parse(r.err), { error: { message: "volume 'ghost' does not exist", exitCode: 3 } });
  await run('volume create v1 --size 1G');
  r = await run('volume create v1 --size 1G');
  assert.equal(r.code, ExitCode.Conflict);
  assert.match(r.err, /already exists/);
  await run('map create v1 --all-loopback');
  r = await run('volume delete v1');
  assert.equal(r.code, ExitCode.Conflict);
  assert.match(r.err, /still mapped/);
  r = await run('volume list', { TANDEM_API: 'http://array.test:8080', TANDEM_TOKEN: 'wrong' });
  assert.equal(r.code, ExitCode.Unauthorized);
  assert.match(r.err, /api-token/);
  r = await run('volume list --api http://array.test:8080', { TANDEM_TOKEN: TOKEN });
  assert.equal(r.code, 0, 'the --api flag works');
});

test('hosts, host groups, mappings, sessions, target, events', async () => {
  const { run, dataPlane } = harness();
  let r = await run('host create esx1 --initiator iqn.1998-01.com.vmware:esx1 iqn.1998-01.com.vmware:esx1b --chap-user esx1 --chap-secret abcdefghijklmnop');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'host esx1 created with 2 initiator(s), CHAP on');
  r = await run('host create bad --initiator nonsense');
  assert.equal(r.code, ExitCode.Usage);
  assert.match(r.err, /RFC 7143/);
  assert.equal((await run('host create esx2 --chap-user x')).code, ExitCode.Usage);
  assert.equal((await run('host create esx2 --initiator iqn.1998-01.com.vmware:esx2')).code, 0);
  assert.equal((await run('host remove-initiator esx1 iqn.1998-01.com.vmware:esx1b')).code, 0);
  assert.equal((await run('host set-chap esx2 --chap-user u2 --chap-secret 123456789012 --mutual-user arr --mutual-secret 210987654321')).code, 0);
  r = await run('host list');
  assert.match(r.out, /^NAME\s+INITIATORS\s+CHAP\s+GROUPS/);
  assert.match(r.out, /esx2\s+iqn.1998-01.com.vmware:esx2\s+u2 \(mutual: arr\)/);
  assert.equal((await run('host clear-chap esx2')).code, 0);
  assert.equal((await run('hostgroup create cluster --host esx1 esx2')).out, 'host group cluster created with 2 host(s)');
  assert.equal((await run('volume create ds1 --size 100G')).code, 0);
  r = await run('map create ds1 --hostgroup cluster --lun 5');
  assert.match(r.out, /^mapping (\d+): volume ds1 → hostgroup cluster as LUN 5$/);
  const id = /^mapping (\d+)/.exec(r.out)![1];
  assert.equal((await run('map create ds1 --host esx1 --hostgroup cluster')).code, ExitCode.Usage);
  r = await run('map list --volume ds1');
  assert.match(r.out, /^ID\s+VOLUME\s+LUN\s+TARGET\n\s*\d+\s+ds1\s+5\s+hostgroup cluster$/);
  assert.equal((await run('map list --volume nope')).code, ExitCode.NotFound);
  assert.equal((await run('hostgroup remove cluster esx2')).out, 'host group cluster: esx1');
  assert.equal((await run(`map delete ${id}`)).out, `mapping ${id} deleted`);
  assert.equal((await run(`map delete ${id}`)).code, ExitCode.NotFound);
  assert.equal((await run('map delete x1')).code, ExitCode.Usage);
  assert.equal((await run('hostgroup rename cluster prod')).out, 'host group cluster renamed to prod');
  assert.equal((await run('host rename esx2 esx1')).code, ExitCode.Conflict);
  assert.match((await run('host show esx1')).out, /Host groups:\s+prod/);
  assert.equal((await run('hostgroup delete prod')).code, 0);
  assert.equal((await run('host delete esx2')).code, 0);
  assert.equal((await run('session list')).out, 'no sessions');
  dataPlane.sessions = [{ initiatorName: 'iqn.x:y', isid: '400001370000', tsih: 3, type: 'normal', loginAt: '2026-11-23T00:00:00Z',
    connections: [{ cid: 0, local: '127.0.0.1:3260', remote: '127.0.0.1:5000', portalGroupTag: 1, params: {} }] }];
  assert.match((await run('session list')).out, /iqn.x:y\s+400001370000\s+3\s+normal\s+1\s+127.0.0.1:5000/);
  assert.match((await run('target show')).out, /Target:\s+iqn.2026-11.io.tandem:test[\s\S]*127.0.0.1:3260\s+1/);
  r = await run('events --limit 3');
  assert.equal(r.out.split('\n').length, 4);
  assert.match(r.out, /host esx2 deleted by cli/);
  r = await run('--json events --severity warning');
  assert.ok(JSON.parse(r.out).every((e: { severity: string }) => e.severity !== 'info'));
  assert.equal((await run('events --severity loud')).code, ExitCode.Usage);
});
