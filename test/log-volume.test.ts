// The foreground log of a default array (`tandem up`, controllers A and B) at level info
// (docs/ha.md "Failure detection, fencing, takeover"): idle, it logs nothing per
// heartbeat (100 ms on the peer link, both ways), only changes of the failover machine's
// state; a fence is a warning naming who fenced whom and why — the controller that asks
// for it, the supervisor that does it, and the supervisor's fast path when a process exits.
// Prevents: a log buried under "peer B: peer-alive" sixteen times a second, and fences
// that only an info line tells of.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/ha.js';
import { startArray, type RunningArray } from './support/tandem.js';

let arr: RunningArray;
before(async () => {
  const level = process.env.TANDEM_LOG_LEVEL;
  process.env.TANDEM_LOG_LEVEL = 'info';
  try {
    arr = await startArray();
  } finally {
    if (level === undefined) delete process.env.TANDEM_LOG_LEVEL;
    else process.env.TANDEM_LOG_LEVEL = level;
  }
});
after(() => arr?.stop());

interface Line { level: number; msg: string; controller?: string }
const lines = (text: string): Line[] => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
const ctlState = async (name: string) => (await arr.api<Array<{ name: string; state: string }>>('GET', '/v1/controllers')).body.find((c) => c.name === name)!.state;

test('idle for 6 s: no info line per heartbeat (at most a handful of lines, none about the peer being alive)', async () => {
  await new Promise((r) => setTimeout(r, 1000)); // start-up lines are done
  const from = arr.output().length;
  await new Promise((r) => setTimeout(r, 6000));
  const idle = lines(arr.output().slice(from));
  // 2 controllers × 10 heartbeats a second × 6 s = 120 heartbeats.
  assert.ok(idle.length <= 3, `${idle.length} log lines in 6 idle seconds:\n${idle.map((l) => l.msg).join('\n')}`);
  assert.deepEqual(idle.filter((l) => /peer-alive|heartbeat/.test(l.msg)), []);
  assert.ok(lines(arr.output()).some((l) => l.level === 30 && /^peer B: peer-unknown → peer-alive \(/.test(l.msg)), 'the state change at start is logged once, at info');
});

test('a hung controller: the fence is a warning naming both controllers and the reason; the state changes are info lines', async () => {
  const from = arr.output().length;
  const r = await arr.cli(['fault', 'hang-controller', 'A']);
  assert.equal(r.code, 0, r.stderr);
  await waitFor('A fenced', async () => (await ctlState('A')) === 'fenced', 15_000);
  await waitFor('the fence and the takeover logged', async () => lines(arr.output().slice(from)).some((l) => /fenced controller A/.test(l.msg))
    && lines(arr.output().slice(from)).some((l) => /^peer A: fencing → peer-failed/.test(l.msg)), 5000);
  const log = lines(arr.output().slice(from));
  const warn = log.filter((l) => l.level === 40).map((l) => l.msg);
  assert.ok(warn.includes('controller B asks the supervisor to fence controller A: peer link silent and lease of A expired'), warn.join('\n'));
  assert.ok(warn.some((m) => /^controller B fenced controller A: peer link silent and lease of A expired; the supervisor kills it \(SIGKILL\) and bumps its lease epoch$/.test(m)), warn.join('\n'));
  const changes = log.filter((l) => l.level === 30 && l.controller === 'B' && /^peer A: /.test(l.msg)).map((l) => l.msg.replace(/ \(.*\)$/, ''));
  // alive → suspect → (isolated while A's lease runs out →) fencing → peer-failed: one line each.
  assert.equal(changes[0], 'peer A: peer-alive → peer-suspect', changes.join('\n'));
  assert.equal(changes.at(-1), 'peer A: fencing → peer-failed', changes.join('\n'));
  assert.ok(changes.length <= 4 && new Set(changes).size === changes.length, changes.join('\n'));
  assert.ok(log.every((l) => l.level !== 30 || !/fenc/.test(l.msg) || /→/.test(l.msg)), 'no fence told only at info');
});

test('a killed controller: the supervisor fences it at once, at warning, naming it and why', async () => {
  assert.equal((await arr.cli(['controller', 'enable', 'A'])).code, 0);
  await waitFor('A online', async () => (await ctlState('A')) === 'online', 20_000);
  const from = arr.output().length;
  assert.equal((await arr.cli(['fault', 'kill-controller', 'A'])).code, 0);
  await waitFor('the fence logged', async () => lines(arr.output().slice(from)).some((l) => /supervisor fenced controller A/.test(l.msg)), 10_000);
  const warn = lines(arr.output().slice(from)).filter((l) => l.level === 40).map((l) => l.msg);
  assert.ok(warn.some((m) => /^supervisor fenced controller A: its process killed by SIGKILL \(lease epoch now \d+\)$/.test(m)), warn.join('\n'));
});
