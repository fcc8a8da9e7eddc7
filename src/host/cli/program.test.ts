import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_ENDPOINT_FILE, API_TOKEN_FILE } from '../../lib/api-contract.js';
import { silentLogger } from '../../lib/logger.js';
import { parseHostConfig } from '../config.js';
import { runHostAgent, type RunningHostAgent } from '../run-agent.js';
import { FakeInitiator, FakeMultipath } from '../test-support/fake-deps.js';
import { runHostCli } from './program.js';

const dir = mkdtempSync(join(tmpdir(), 'host-cli-'));
const dataDir = join(dir, 'data');
let run: RunningHostAgent;

before(async () => {
  const ini = new FakeInitiator();
  ini.luns.set('127.0.0.1:3261', [0]);
  ini.luns.set('127.0.0.1:3262', [0]);
  const cfg = parseHostConfig({ arrays: [{ name: 'a1', portals: ['127.0.0.1:3261', '127.0.0.1:3262'], initiatorName: 'iqn.2026-11.test:h' }], nbd: { tcp: '127.0.0.1:0' }, dataDir });
  run = await runHostAgent(cfg, { logger: silentLogger(), deps: { initiator: ini, multipath: new FakeMultipath(), logger: silentLogger() } });
});
after(async () => {
  await run.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[], fetchFn?: typeof fetch): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runHostCli(args, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`), env: {}, ...(fetchFn ? { fetch: fetchFn } : {}) });
  return { code, out, err };
}

test('paths shows the powermt-style table and --json the same data', async () => {
  const t = await cli(['--data-dir', dataDir, 'paths']);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /Pseudo name=tandem0/);
  assert.match(t.out, /127\.0\.0\.1:3261,tpgt1,lun0 +127\.0\.0\.1:3261 +1 +active-optimized +active +alive/);
  assert.match(t.out, /NBD exports: tandem0, naa\.0/);
  const j = await cli(['--data-dir', dataDir, 'paths', '--json']);
  const devs = JSON.parse(j.out) as Array<{ name: string; paths: unknown[]; exports: string[] }>;
  assert.deepEqual(devs.map((d) => [d.name, d.paths.length, d.exports]), [['tandem0', 2, ['tandem0', 'naa.0']]]);
});

test('rescan, path remove with its refusals and exit codes', async () => {
  const r = await cli(['--data-dir', dataDir, 'rescan', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), { newPaths: [], newDevices: [], errors: [] });
  const nf = await cli(['--data-dir', dataDir, 'path', 'remove', 'no such path']);
  assert.equal(nf.code, 3);
  assert.match(nf.err, /no such path/);
  assert.equal((await cli(['--data-dir', dataDir, 'path', 'remove', '127.0.0.1:3261,tpgt1,lun0'])).code, 0);
  const last = await cli(['--data-dir', dataDir, 'path', 'remove', '127.0.0.1:3262,tpgt2,lun0']);
  assert.equal(last.code, 4);
  assert.match(last.err, /last path of tandem0.*--force/);
  assert.equal((await cli(['--data-dir', dataDir, 'path', 'remove', '--force', '127.0.0.1:3262,tpgt2,lun0'])).code, 0);
  const again = await cli(['--data-dir', dataDir, 'rescan']);
  assert.match(again.out, /new paths: 2/, 'rescan brings removed paths back');
});

test('the API wants the token; a missing agent and bad usage have their exit codes', async () => {
  assert.equal((await fetch(`${run.apiUrl}/v1/devices`)).status, 401);
  assert.equal((await fetch(`${run.apiUrl}/v1/devices`, { headers: { authorization: `Bearer ${run.token}` } })).status, 200);
  assert.equal((await fetch(`${run.apiUrl}/v1/health`)).status, 200);
  const none = await cli(['--data-dir', join(dir, 'nothing-here'), 'paths']);
  assert.equal(none.code, 1);
  assert.match(none.err, /no running tandem-host agent/);
  assert.equal((await cli(['frobnicate'])).code, 2);
  assert.equal((await cli(['--config', join(dir, 'missing.json'), 'paths'])).code, 2);
});

test("tandem-host's own wording: no agent, an unreadable token, an agent that does not answer, a wrong token", async () => {
  const d = join(dir, 'stale');
  let r = await cli(['--data-dir', d, 'paths']);
  assert.deepEqual([r.code, r.err], [1, `error: no running tandem-host agent found: ${join(d, API_ENDPOINT_FILE)} is missing (start one with 'tandem-host up --config FILE', or pass --data-dir / --config)\n`]);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, API_ENDPOINT_FILE), JSON.stringify({ url: 'http://127.0.0.1:1', pid: 1, startedAt: '' }));
  r = await cli(['--data-dir', d, 'paths']);
  assert.equal(r.code, 5);
  assert.match(r.err, new RegExp(`^error: cannot read the agent's token ${join(d, API_TOKEN_FILE)}: ENOENT`));
  writeFileSync(join(d, API_TOKEN_FILE), 'not-the-token-at-all\n');
  const refused = (async () => { throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }); }) as unknown as typeof fetch;
  r = await cli(['--data-dir', d, 'paths'], refused);
  assert.deepEqual([r.code, r.err], [1, "error: the tandem-host agent at http://127.0.0.1:1 does not answer (fetch failed); is 'tandem-host up' running?\n"]);
  writeFileSync(join(d, API_ENDPOINT_FILE), JSON.stringify({ url: run.apiUrl, pid: 1, startedAt: '' }));
  r = await cli(['--data-dir', d, 'paths']);
  assert.equal(r.code, 5);
  assert.match(r.err, new RegExp(`tandem-host looked for the token in ${join(d, API_TOKEN_FILE)}\\n$`));
  assert.ok(!r.err.includes('not-the-token-at-all'));
});
