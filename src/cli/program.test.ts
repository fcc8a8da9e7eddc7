import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './program.js';
import { API_ENDPOINT_FILE, API_TOKEN_FILE } from '../lib/api-contract.js';
import { ExitCode } from '../lib/exit-codes.js';
import { formatSize, parseSize } from './units.js';
import { formatTable } from './table.js';

const TOKEN = 'b'.repeat(64);

// The CLI against the real API (app.inject behind an injected fetch) is tested in
// src/api/cli-contract.test.ts: the CLI folder may not import the core, not even in tests.
// Discovery, status → exit code and the 401 hint are the shared client's (lib/api-client.test.ts);
// here only tandem's own wording.

async function runOffline(args: string) {
  const out: string[] = [];
  const err: string[] = [];
  const fetch = (async () => { throw new Error('no network in this test'); }) as unknown as typeof globalThis.fetch;
  const code = await runCli(args.split(' ').filter(Boolean), { out: (s) => out.push(s), err: (s) => err.push(s), env: { TANDEM_API: 'http://x.test' }, fetch });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('usage errors exit 2 and print usage, before any request is sent', async () => {
  let r = await runOffline('frobnicate');
  assert.equal(r.code, ExitCode.Usage);
  assert.match(r.err, /unknown command 'frobnicate'/);
  assert.match(r.err, /Usage: tandem/);
  r = await runOffline('volume list --bogus');
  assert.equal(r.code, ExitCode.Usage);
  assert.match(r.err, /unknown option '--bogus'/);
  assert.equal((await runOffline('volume create v1')).code, ExitCode.Usage, 'missing --size');
  r = await runOffline('volume create v1 --size 10X');
  assert.equal(r.code, ExitCode.Usage);
  assert.match(r.err, /--size '10X' is not a size/);
  assert.equal((await runOffline('map create v1 --host a --all-loopback')).code, ExitCode.Usage);
  assert.equal((await runOffline('map create v1 --lun 99999 --host a')).code, ExitCode.Usage);
  assert.equal((await runOffline('')).code, ExitCode.Usage, 'no command prints usage');
  assert.equal((await runOffline('--help')).code, ExitCode.Ok);
  assert.equal((await runOffline('volume list')).code, ExitCode.Failure, 'network failure is exit 1');
});

test('tables align columns and right-align numbers', () => {
  assert.equal(formatTable(['NAME', 'SIZE', 'NOTE'], [['a', '10 GiB', null], ['bbbb', '512 MiB', true]], { rightAlign: [1] }),
    'NAME     SIZE  NOTE\na      10 GiB  -\nbbbb  512 MiB  yes');
});

test('size units', () => {
  assert.equal(parseSize('10G'), 10 * 2 ** 30);
  assert.equal(parseSize('512M'), 512 * 2 ** 20);
  assert.equal(parseSize('1T'), 2 ** 40);
  assert.equal(parseSize('1.5GiB'), 1.5 * 2 ** 30);
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize('10X'), undefined);
  assert.equal(formatSize(10 * 2 ** 30), '10 GiB');
  assert.equal(formatSize(1536 * 2 ** 20), '1.5 GiB');
  assert.equal(formatSize(512 * 2 ** 20), '512 MiB');
});

test('unreachable array: says whether it is running, which URL was tried, and how to start it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
  try {
    const failing = (async () => { throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }); }) as unknown as typeof fetch;
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s), env: {}, fetch: failing };
    assert.equal(await runCli(['--data-dir', dir, 'volume', 'list'], io), ExitCode.Failure);
    assert.equal(err.join('\n'), `error: the array does not seem to be running: ${join(dir, API_ENDPOINT_FILE)} does not exist. ` +
      `Start it with "tandem up --data-dir ${dir}", point --data-dir at its data directory, or pass --api URL`);
    writeFileSync(join(dir, API_ENDPOINT_FILE), JSON.stringify({ url: 'http://127.0.0.1:1', pid: 1, startedAt: '' }));
    writeFileSync(join(dir, API_TOKEN_FILE), `${TOKEN}\n`);
    err.length = 0;
    assert.equal(await runCli(['--data-dir', dir, 'volume', 'list'], io), ExitCode.Failure);
    assert.equal(err.join('\n'), `error: cannot reach the Tandem API at http://127.0.0.1:1 (from ${join(dir, API_ENDPOINT_FILE)}): ECONNREFUSED. ` +
      'Is the array running? Start it with "tandem up", or check --api / --data-dir');
    assert.ok(!err.join('\n').includes(TOKEN));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a wrong token: exit 5, and the hint names --token, TANDEM_TOKEN and the token file but not the token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
  try {
    const unauthorized = (async () => new Response(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'missing or wrong API token' } }), { status: 401 })) as unknown as typeof fetch;
    const err: string[] = [];
    const io = { out: () => {}, err: (s: string) => err.push(s), env: { TANDEM_API: 'http://x.test', TANDEM_TOKEN: TOKEN }, fetch: unauthorized };
    assert.equal(await runCli(['--data-dir', dir, 'volume', 'list'], io), ExitCode.Unauthorized);
    assert.equal(err.join('\n'), `error: missing or wrong API token. The CLI looked for the token in --token, TANDEM_TOKEN and ${join(dir, API_TOKEN_FILE)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
