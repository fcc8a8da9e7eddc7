import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, type ApiClientOptions, type ApiClientWording } from './api-client.js';
import { ACTOR_HEADER, API_ENDPOINT_FILE, API_TOKEN_FILE } from './api-contract.js';
import { CliError, ExitCode, exitCodeForHttpStatus } from './exit-codes.js';

const TOKEN = 't'.repeat(64);

interface Seen { url: string; method: string; headers: Record<string, string>; body: string | undefined }

/** A fetch that records each request and answers with `status` and `body` (JSON unless a string). */
function answering(status: number, body?: unknown, seen: Seen[] = []): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(input), method: init?.method ?? 'GET', headers: { ...(init?.headers as Record<string, string>) }, body: init?.body as string | undefined });
    const text = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status });
  }) as typeof fetch;
}

const wording: ApiClientWording = {
  who: 'The tester',
  noEndpoint: (file, problem) => `no endpoint: ${file} ${problem}`,
  unreachable: ({ url, from, reason }) => `unreachable ${url} from ${from}: ${reason}`,
};

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-api-client-'));
    try { await fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
  };
}

function client(dir: string, fetch: typeof globalThis.fetch, more: Partial<ApiClientOptions> = {}): ApiClient {
  return new ApiClient({
    dataDir: dir, env: {}, fetch, wording,
    url: { flag: { name: '--api', value: undefined }, envVar: 'X_API' },
    token: { flag: { name: '--token', value: undefined }, envVar: 'X_TOKEN' },
    ...more,
  });
}

async function failure(p: Promise<unknown>): Promise<CliError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CliError, String(err));
    return err;
  }
  assert.fail('the request succeeded');
}

test('HTTP status → exit code: 400 usage, 401 unauthorized, 404 not found, 409 conflict, the rest failure', () => {
  assert.deepEqual([400, 401, 403, 404, 409, 500, 503].map(exitCodeForHttpStatus),
    [ExitCode.Usage, ExitCode.Unauthorized, ExitCode.Failure, ExitCode.NotFound, ExitCode.Conflict, ExitCode.Failure, ExitCode.Failure]);
  assert.deepEqual(ExitCode, { Ok: 0, Failure: 1, Usage: 2, NotFound: 3, Conflict: 4, Unauthorized: 5 });
});

test('discovery: URL and token each from the flag, else the environment, else the data directory; empty values fall through', withDir(async (dir) => {
  writeFileSync(join(dir, API_ENDPOINT_FILE), JSON.stringify({ url: 'http://file.test/', pid: 1, startedAt: '' }));
  writeFileSync(join(dir, API_TOKEN_FILE), 'from-file\n');
  const cases: Array<[Partial<ApiClientOptions>, string, string]> = [
    [{}, 'http://file.test', 'from-file'],
    [{ env: { X_API: '', X_TOKEN: '' } }, 'http://file.test', 'from-file'],
    [{ env: { X_API: 'http://env.test', X_TOKEN: 'from-env' } }, 'http://env.test', 'from-env'],
    [{
      env: { X_API: 'http://env.test', X_TOKEN: 'from-env' },
      url: { flag: { name: '--api', value: 'http://flag.test//' }, envVar: 'X_API' },
      token: { flag: { name: '--token', value: 'from-flag' }, envVar: 'X_TOKEN' },
    }, 'http://flag.test', 'from-flag'],
  ];
  for (const [opts, url, token] of cases) {
    const seen: Seen[] = [];
    assert.deepEqual(await client(dir, answering(200, { ok: 1 }, seen), opts).request('GET', '/v1/x'), { ok: 1 });
    assert.equal(seen[0]?.url, `${url}/v1/x`);
    assert.equal(seen[0]?.headers.authorization, `Bearer ${token}`);
  }
}));

test('a request: JSON body with content type, the actor header when one is named, undefined for 204; settings read once', withDir(async (dir) => {
  writeFileSync(join(dir, API_ENDPOINT_FILE), JSON.stringify({ url: 'http://file.test' }));
  const seen: Seen[] = [];
  const c = client(dir, answering(204, undefined, seen), { actor: 'cli' });
  assert.equal(await c.request('POST', '/v1/y', { a: 1 }), undefined);
  assert.deepEqual(seen[0], {
    url: 'http://file.test/v1/y', method: 'POST', body: '{"a":1}',
    headers: { accept: 'application/json', [ACTOR_HEADER]: 'cli', 'content-type': 'application/json' },
  });
  writeFileSync(join(dir, API_ENDPOINT_FILE), JSON.stringify({ url: 'http://moved.test' }));
  await c.request('GET', '/v1/z');
  assert.equal(seen[1]?.url, 'http://file.test/v1/z');
  assert.equal(seen[1]?.headers.authorization, undefined, 'no token anywhere: no header (the server answers 401)');
  const host = client(dir, answering(200, {}, seen), { url: undefined, token: undefined });
  await host.request('GET', '/v1/devices');
  assert.equal(seen[2]?.headers[ACTOR_HEADER], undefined);
}));

test('missing or unreadable endpoint file: exit 1 with the wording, before any request', withDir(async (dir) => {
  const seen: Seen[] = [];
  let e = await failure(client(dir, answering(200, {}, seen)).request('GET', '/v1/x'));
  assert.equal(e.exitCode, ExitCode.Failure);
  assert.equal(e.message, `no endpoint: ${join(dir, API_ENDPOINT_FILE)} does not exist`);
  for (const junk of ['', '{not json', '{"url": 7}']) {
    writeFileSync(join(dir, API_ENDPOINT_FILE), junk);
    e = await failure(client(dir, answering(200, {}, seen)).request('GET', '/v1/x'));
    assert.equal(e.message, `no endpoint: ${join(dir, API_ENDPOINT_FILE)} is unreadable`, junk);
  }
  assert.equal(seen.length, 0);
}));

test('unreachable API: exit 1, the wording gets the URL, where it came from and the socket error code', withDir(async (dir) => {
  const refused = (async () => { throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }); }) as unknown as typeof fetch;
  const got: Array<{ url: string; from: string; reason: string; error: Error }> = [];
  const w: ApiClientWording = { ...wording, unreachable: (p) => { got.push(p); return `down: ${p.url}`; } };
  const e = await failure(client(dir, refused, { wording: w, env: { X_API: 'http://127.0.0.1:1', X_TOKEN: TOKEN } }).request('GET', '/v1/x'));
  assert.equal(e.exitCode, ExitCode.Failure);
  assert.equal(e.message, 'down: http://127.0.0.1:1');
  assert.equal(got[0]?.from, 'X_API');
  assert.equal(got[0]?.reason, 'ECONNREFUSED');
  assert.equal(got[0]?.error.message, 'fetch failed');
  assert.ok(!JSON.stringify(got[0]).includes(TOKEN), 'the wording never sees the token');
}));

test('401: exit 5, the server\'s message plus where the token was looked for; the token is never in a message', withDir(async (dir) => {
  writeFileSync(join(dir, API_ENDPOINT_FILE), JSON.stringify({ url: 'http://file.test' }));
  writeFileSync(join(dir, API_TOKEN_FILE), `${TOKEN}\n`);
  const unauthorized = answering(401, { error: { code: 'UNAUTHORIZED', message: 'missing or wrong API token' } });
  let e = await failure(client(dir, unauthorized).request('GET', '/v1/x'));
  assert.equal(e.exitCode, ExitCode.Unauthorized);
  assert.equal(e.message, `missing or wrong API token. The tester looked for the token in --token, X_TOKEN and ${join(dir, API_TOKEN_FILE)}`);
  e = await failure(client(dir, unauthorized, { url: undefined, token: undefined }).request('GET', '/v1/x'));
  assert.equal(e.message, `missing or wrong API token. The tester looked for the token in ${join(dir, API_TOKEN_FILE)}`);
  for (const status of [400, 401, 404, 409, 500]) {
    e = await failure(client(dir, answering(status, { error: { code: 'X', message: `status ${status}` } })).request('GET', '/v1/x'));
    assert.ok(!e.message.includes(TOKEN), `${status}: ${e.message}`);
  }
  const refused = (async () => { throw new TypeError('fetch failed'); }) as unknown as typeof fetch;
  e = await failure(client(dir, refused, { wording: { ...wording, unreachable: (p) => JSON.stringify(p) } }).request('GET', '/v1/x'));
  assert.ok(!e.message.includes(TOKEN), e.message);
}));

test('404, 409, 400 and 500 map to their exit codes; a body that is not an error body says the status and URL', withDir(async (dir) => {
  writeFileSync(join(dir, API_ENDPOINT_FILE), JSON.stringify({ url: 'http://file.test' }));
  const err = (message: string) => ({ error: { code: 'X', message } });
  let e = await failure(client(dir, answering(404, err("volume 'ghost' does not exist"))).request('GET', '/v1/volumes/ghost'));
  assert.deepEqual([e.exitCode, e.message], [ExitCode.NotFound, "volume 'ghost' does not exist"]);
  e = await failure(client(dir, answering(409, err('still mapped'))).request('DELETE', '/v1/volumes/v1'));
  assert.deepEqual([e.exitCode, e.message], [ExitCode.Conflict, 'still mapped']);
  e = await failure(client(dir, answering(400, err('bad size'))).request('POST', '/v1/volumes', {}));
  assert.equal(e.exitCode, ExitCode.Usage);
  e = await failure(client(dir, answering(502, '<html>bad gateway</html>')).request('GET', '/v1/x'));
  assert.deepEqual([e.exitCode, e.message], [ExitCode.Failure, 'HTTP 502 from http://file.test/v1/x']);
}));

test('a required token that cannot be read: exit 5 with the wording, before any request', withDir(async (dir) => {
  writeFileSync(join(dir, API_ENDPOINT_FILE), JSON.stringify({ url: 'http://file.test' }));
  const seen: Seen[] = [];
  const w: ApiClientWording = { ...wording, unreadableToken: (file, error) => `no token ${file}: ${(error as NodeJS.ErrnoException).code}` };
  const e = await failure(client(dir, answering(200, {}, seen), { wording: w, url: undefined, token: undefined }).request('GET', '/v1/x'));
  assert.deepEqual([e.exitCode, e.message], [ExitCode.Unauthorized, `no token ${join(dir, API_TOKEN_FILE)}: ENOENT`]);
  assert.equal(seen.length, 0);
  writeFileSync(join(dir, API_TOKEN_FILE), TOKEN);
  await client(dir, answering(200, {}, seen), { wording: w, url: undefined, token: undefined }).request('GET', '/v1/x');
  assert.equal(seen[0]?.headers.authorization, `Bearer ${TOKEN}`);
}));
