// Failover benchmark of the dual-controller array (`tandem up --controllers 2`): N kills
// (`--kills N`, default 20) of the owning controller under a QD1 write/read loop from our
// initiator with a simple multipath (one session per port, reconnecting; a failed
// command is retried on the next path), measuring the I/O pause of each kill (the
// largest gap between two completed I/Os from the kill until 5 s later), the operator
// enabling the controller again between kills; plus the ALUA non-optimized penalty:
// 4 KiB random read IOPS at QD16 through a port of the owner (direct) vs a port of the
// non-owner (forwarded over the peer link). `--hangs N` (default 5) adds N hangs
// (SIGSTOP: no process exit, detected by heartbeat loss and lease expiry, then fenced).
// Not part of the tests.
//
//   npm run bench:failover [-- --kills 20 --hangs 5 --seconds 3]
import { randomBytes } from 'node:crypto';
import { InitiatorSession, scsi } from '../src/iscsi/initiator/index.js';
import { freePort } from '../test/support/ports.js';
import { startArray, type RunningArray } from '../test/support/tandem.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : dflt; };
const KILLS = opt('kills', 20);
const HANGS = opt('hangs', 5);
const SECONDS = opt('seconds', 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ports: Record<string, number> = {};
for (const p of ['A0', 'A1', 'B0', 'B1']) ports[p] = await freePort();
const arr: RunningArray = await startArray({ extraArgs: ['--controllers', '2', ...Object.entries(ports).flatMap(([n, p]) => ['--portal', `${n}=127.0.0.1:${p}`])] });
const sessions: InitiatorSession[] = [];
async function open(port: string, ini: string): Promise<InitiatorSession> {
  const s = new InitiatorSession({ host: '127.0.0.1', port: ports[port]!, targetName: arr.iqn, initiatorName: ini, reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, commandTimeout: 3000, nopInterval: 500, nopTimeout: 1000 });
  sessions.push(s);
  await s.connect();
  for (let i = 0; i < 8; i++) { try { await scsi.testUnitReady(s, 0); break; } catch { /* unit attentions */ } }
  return s;
}
const owner = async () => (await arr.api<{ currentOwner: string }>('GET', '/v1/volumes/demo')).body.currentOwner;
async function cli(a: string[]): Promise<void> {
  const r = await arr.cli(a);
  if (r.code !== 0) throw new Error(`tandem ${a.join(' ')} → ${r.code}\n${r.stdout}${r.stderr}`);
}
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN; };

try {
  // ALUA penalty first, with A the owner: same client, same run.
  const own = await owner();
  const other = own === 'A' ? 'B' : 'A';
  const direct = await open(`${own}0`, 'iqn.2026-11.bench:alua-d');
  const fwd = await open(`${other}0`, 'iqn.2026-11.bench:alua-f');
  const blocks = 64 * 2048; // first 64 MiB
  async function iops(s: InitiatorSession): Promise<number> {
    let n = 0;
    const end = Date.now() + SECONDS * 1000;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (Date.now() < end) { await scsi.read10(s, 0, Math.floor(Math.random() * (blocks / 8)) * 8, 8); n++; }
    }));
    return n / SECONDS;
  }
  await iops(direct); // warm-up
  const dIops = await iops(direct);
  const fIops = await iops(fwd);

  // Kills under a QD1 write/read loop over all four ports.
  const paths = await Promise.all(['A0', 'A1', 'B0', 'B1'].map((p, i) => open(p, `iqn.2026-11.bench:mp${i}`)));
  const completions: number[] = [];
  let errors = 0;
  let stop = false;
  let cur = 0;
  const data = randomBytes(4096);
  const loop = (async () => {
    let lba = 0;
    while (!stop) {
      try {
        await scsi.write10(paths[cur]!, 0, lba, data);
        completions.push(performance.now());
        await scsi.read10(paths[cur]!, 0, lba, 8);
        completions.push(performance.now());
        lba = (lba + 8) % blocks;
      } catch {
        errors++;
        cur = (cur + 1) % paths.length;
        await sleep(5);
      }
    }
  })();
  const pauses: number[] = [];
  const hangPauses: number[] = [];
  for (let k = 0; k < KILLS + HANGS; k++) {
    await sleep(700);
    const hang = k >= KILLS;
    const victim = await owner();
    const tKill = performance.now();
    const before = completions.filter((t) => t <= tKill).at(-1) ?? tKill;
    await cli(['fault', hang ? 'hang-controller' : 'kill-controller', victim]);
    // The fault is in effect now (the CLI returned): wait for I/O to flow again after it,
    // then take the largest gap between completions from just before the fault on.
    const tFault = performance.now();
    const deadline = Date.now() + 15_000;
    while (completions.filter((t) => t > tFault).length < 50 && Date.now() < deadline) await sleep(20);
    const win = [before, ...completions.filter((t) => t > tKill && t < tFault + 10_000)];
    let gap = 0;
    for (let i = 1; i < win.length; i++) gap = Math.max(gap, win[i]! - win[i - 1]!);
    if (win.length < 2) gap = Infinity;
    (hang ? hangPauses : pauses).push(gap);
    process.stderr.write(`${hang ? `hang ${k - KILLS + 1}/${HANGS}` : `kill ${k + 1}/${KILLS}`} of ${victim}: pause ${gap.toFixed(0)} ms\n`);
    const down = Date.now() + 10_000; // a hung controller is fenced only after its lease expired
    while (Date.now() < down && (await arr.api<Array<{ name: string; state: string }>>('GET', '/v1/controllers')).body.find((c) => c.name === victim)?.state === 'online') await sleep(50);
    await cli(['controller', 'enable', victim]);
    completions.splice(0, completions.length - 10);
  }
  stop = true;
  await loop;

  const p99 = pct(pauses, 99);
  console.log(`\n## Tandem failover benchmark (${KILLS} kills, QD1 4 KiB write+read, 4 paths)\n`);
  console.log('| metric | value |');
  console.log('|---|---|');
  console.log(`| kills | ${KILLS} |`);
  console.log(`| pause p50 | ${pct(pauses, 50).toFixed(0)} ms |`);
  console.log(`| pause p99 | ${p99.toFixed(0)} ms |`);
  console.log(`| pause max | ${Math.max(...pauses).toFixed(0)} ms |`);
  console.log(`| goal p99 < 2 s | ${p99 < 2000 ? 'met' : 'NOT met'} |`);
  if (HANGS > 0) {
    console.log(`| hangs (SIGSTOP: heartbeat loss, lease expiry, fence) | ${HANGS} |`);
    console.log(`| hang pause p50 / max | ${pct(hangPauses, 50).toFixed(0)} ms / ${Math.max(...hangPauses).toFixed(0)} ms |`);
  }
  console.log(`| failed commands retried on another path | ${errors} |`);
  console.log(`| 4 KiB rand read QD16 via owner ${own}0 (direct) | ${dIops.toFixed(0)} IOPS |`);
  console.log(`| 4 KiB rand read QD16 via non-owner ${other}0 (forwarded) | ${fIops.toFixed(0)} IOPS |`);
  console.log(`| ALUA non-optimized ratio (forwarded/direct) | ${(fIops / dIops).toFixed(2)} |`);
} finally {
  for (const s of sessions) await s.close().catch(() => undefined);
  await arr.stop('SIGKILL');
}
