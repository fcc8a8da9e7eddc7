import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { PeerLink, type PeerLinkOptions } from './peer-link.js';
import { encodePeerFrame } from './peer-codec.js';

const fast = { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 120, reconnectDelayMs: 10, reconnectMaxDelayMs: 40, authTimeoutMs: 500 } as const;

async function pair(over: { a?: Partial<PeerLinkOptions>; b?: Partial<PeerLinkOptions> } = {}) {
  const a = new PeerLink({ self: 'A', peer: 'B', secret: 'array-secret', listen: { host: '127.0.0.1', port: 0 }, incarnation: 'a-1', ...fast, ...over.a });
  await a.start();
  const b = new PeerLink({ self: 'B', peer: 'A', secret: 'array-secret', connect: a.address()!, incarnation: 'b-1', ...fast, ...over.b });
  /** Starts B and waits until BOTH sides are up (B can be up a moment before A reads B's hello). */
  const connect = async () => {
    const ups = Promise.all([once(a, 'up', within(2000)), once(b, 'up', within(2000))]);
    await b.start();
    await ups;
  };
  return { a, b, connect, close: async () => { await b.close(); await a.close(); } };
}

const within = (ms: number) => ({ signal: AbortSignal.timeout(ms) });

test('mutual authentication: both sides come up with the other hello', async () => {
  const { a, b, close } = await pair();
  try {
    const upA = once(a, 'up', within(2000));
    const upB = once(b, 'up', within(2000));
    await b.start();
    const [[ha], [hb]] = await Promise.all([upA, upB]);
    assert.equal(ha.controller, 'B');
    assert.equal(ha.incarnation, 'b-1');
    assert.equal(hb.controller, 'A');
    assert.ok(a.isUp && b.isUp);
    assert.equal(b.peerHello?.incarnation, 'a-1');
  } finally {
    await close();
  }
});

test('wrong secret: both sides report auth-failed, never up, and keep refusing', async () => {
  const { a, b, close } = await pair({ b: { secret: 'guessed' } });
  try {
    let ups = 0;
    a.on('up', () => ups++);
    b.on('up', () => ups++);
    const failA = once(a, 'auth-failed', within(2000));
    const failB = once(b, 'auth-failed', within(2000));
    await b.start();
    const [[fa], [fb]] = await Promise.all([failA, failB]);
    assert.match(fa.reason, /shared secret/);
    assert.match(fa.remoteAddress, /^127\.0\.0\.1:\d+$/);
    assert.match(fb.reason, /shared secret/);
    await once(a, 'auth-failed', within(2000)); // B retries, A refuses again
    assert.equal(ups, 0);
    assert.ok(!a.isUp && !b.isUp);
    assert.deepEqual(await b.request('pr-update', {}), { ok: false, error: { code: 'link-down', message: 'peer link to controller A is down' } });
  } finally {
    await close();
  }
});

test('a client naming the wrong controller, or talking before authenticating, is disconnected and reported', async () => {
  const { a, close } = await pair();
  try {
    const impostor = new PeerLink({ self: 'C', peer: 'A', secret: 'array-secret', connect: a.address()!, ...fast });
    const f1 = once(a, 'auth-failed', within(2000));
    await impostor.start();
    assert.match((await f1)[0].reason, /expected controller B, got 'C'/);
    await impostor.close();

    const f2 = once(a, 'auth-failed', within(2000));
    const s = net.connect(a.address()!);
    s.resume(); // read, so that the remote close is seen
    await once(s, 'connect');
    s.write(encodePeerFrame({ type: 'request', id: 1, kind: 'forward-cmd', body: null }));
    assert.match((await f2)[0].reason, /unexpected request during authentication/);
    await once(s, 'close', within(2000));

    const f3 = once(a, 'auth-failed', within(2000));
    const g = net.connect(a.address()!);
    g.on('error', () => {});
    await once(g, 'connect');
    g.write(Buffer.from([0, 0, 0, 3, 0x7b, 0x7b, 0x7b]));
    assert.match((await f3)[0].reason, /protocol error/);
    g.destroy();
  } finally {
    await close();
  }
});

test('request/response with a 1 MiB payload both ways; errors and timeouts are values; notifies arrive', async () => {
  const { a, b, connect, close } = await pair();
  try {
    a.setRequestHandler(async (req) => {
      if (req.kind === 'tmf') return { error: { code: 'no-task', message: 'task not found' } };
      if (req.kind === 'lun-reset') return new Promise(() => {}); // never answers
      if (req.kind === 'pr-update') throw new Error('boom');
      const out = Buffer.from(req.payload!);
      out.reverse();
      return { body: { got: req.payload!.length, echo: req.body }, payload: out };
    });
    await connect();
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const r = await b.request('forward-cmd', { volumeId: 'v1', cdb: '2a000000000000000800' }, big);
    assert.ok(r.ok);
    assert.deepEqual(r.body, { got: 1 << 20, echo: { volumeId: 'v1', cdb: '2a000000000000000800' } });
    assert.equal(r.payload!.length, 1 << 20);
    assert.ok(r.payload!.equals(Buffer.from(big).reverse()));
    // many concurrent requests are matched by id
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => b.request('forward-cmd', i, Buffer.from([i]))));
    many.forEach((m, i) => assert.ok(m.ok && (m.body as { echo: number }).echo === i));
    assert.deepEqual(await b.request('tmf', {}), { ok: false, error: { code: 'no-task', message: 'task not found' } });
    assert.deepEqual(await b.request('pr-update', {}), { ok: false, error: { code: 'handler-error', message: 'boom' } });
    const t = await b.request('lun-reset', {}, undefined, { timeoutMs: 50 });
    assert.ok(!t.ok && t.error.code === 'timeout');
    assert.deepEqual(await a.request('tmf', {}), { ok: false, error: { code: 'no-handler', message: 'controller B does not serve tmf requests' } });
    const msg = once(a, 'message', within(2000));
    assert.equal(b.send('ua-broadcast', { volumeId: 'v1', reason: 'UaAsymmetricAccessStateChanged' }), true);
    assert.deepEqual((await msg)[0], { kind: 'ua-broadcast', body: { volumeId: 'v1', reason: 'UaAsymmetricAccessStateChanged' } });
    const hb = await once(a, 'heartbeat', within(2000));
    assert.equal(typeof hb[0].seq, 'number');
  } finally {
    await close();
  }
});

test('cut/restore: down on both sides at once, no reconnect while cut, up again after restore; pending requests fail', async () => {
  const { a, b, connect, close } = await pair();
  try {
    a.setRequestHandler(() => new Promise(() => {}));
    await connect();
    const pending = b.request('forward-cmd', {}, undefined, { timeoutMs: 5000 });
    const downA = once(a, 'down', within(2000));
    const downB = once(b, 'down', within(2000));
    const t0 = Date.now();
    a.cut();
    await Promise.all([downA, downB]);
    assert.ok(Date.now() - t0 < 100, 'a closed link is noticed at once');
    const p = await pending;
    assert.ok(!p.ok && p.error.code === 'link-down');
    let ups = 0;
    b.on('up', () => ups++);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(ups, 0, 'stays down while cut although B keeps dialling');
    assert.equal(b.send('ua-broadcast', {}), false);
    const again = Promise.all([once(a, 'up', within(2000)), once(b, 'up', within(2000))]);
    a.restore();
    await again;
    a.setRequestHandler((req) => ({ body: req.body }));
    const r = await b.request('ownership-change', { volumeId: 'v1', owner: 'B', epoch: 2 });
    assert.deepEqual(r, { ok: true, body: { volumeId: 'v1', owner: 'B', epoch: 2 } });
  } finally {
    await close();
  }
});

test('heartbeat timeout: a silent (blackholed) peer is detected within the timeout', async () => {
  const { a, b, connect, close } = await pair();
  try {
    await connect();
    await new Promise((r) => setTimeout(r, 100)); // heartbeats flowing, no false timeout
    assert.ok(a.isUp);
    const to = once(a, 'heartbeat-timeout', within(2000));
    const down = once(a, 'down', within(2000));
    const t0 = Date.now();
    b.cut('blackhole');
    const [info] = await to;
    const elapsed = Date.now() - t0;
    assert.ok(info.silentMs > 120, `silent ${info.silentMs} ms`);
    assert.ok(elapsed >= 100 && elapsed < 600, `detected after ${elapsed} ms`);
    assert.match((await down)[0].reason, /no heartbeat from controller B/);
    const back = once(a, 'up', within(2000));
    b.restore();
    await back;
  } finally {
    await close();
  }
});

test('a restarted peer (new incarnation) replaces the old connection and is announced', async () => {
  const { a, b, connect, close } = await pair();
  try {
    await connect();
    // B "restarts": a new process with a new incarnation connects while the old socket still looks alive
    const b2 = new PeerLink({ self: 'B', peer: 'A', secret: 'array-secret', connect: a.address()!, incarnation: 'b-2', ...fast });
    const down = once(a, 'down', within(2000));
    const up2 = once(a, 'up', within(2000));
    await b2.start();
    assert.match((await down)[0].reason, /restarted/);
    assert.equal((await up2)[0].incarnation, 'b-2');
    assert.equal(a.peerHello?.incarnation, 'b-2');
    await b2.close();
  } finally {
    await close();
  }
});

test('both sides listen and dial at once: they settle on one connection, each side up exactly once', async () => {
  const freePort = async (): Promise<number> => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  };
  const [pa, pb] = [await freePort(), await freePort()];
  const a = new PeerLink({ self: 'A', peer: 'B', secret: 's', listen: { host: '127.0.0.1', port: pa }, connect: { host: '127.0.0.1', port: pb }, ...fast });
  const b = new PeerLink({ self: 'B', peer: 'A', secret: 's', listen: { host: '127.0.0.1', port: pb }, connect: { host: '127.0.0.1', port: pa }, ...fast });
  let upsA = 0, upsB = 0, downs = 0;
  a.on('up', () => upsA++); b.on('up', () => upsB++);
  a.on('down', () => downs++); b.on('down', () => downs++);
  try {
    await Promise.all([a.start(), b.start()]);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(a.isUp && b.isUp);
    assert.equal(upsA, 1);
    assert.equal(upsB, 1);
    assert.equal(downs, 0);
    b.setRequestHandler((req) => ({ body: req.body }));
    assert.deepEqual(await a.request('pr-update', 1), { ok: true, body: 1 });
  } finally {
    await a.close();
    await b.close();
  }
});
