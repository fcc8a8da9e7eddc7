// Helpers for dual-controller integration tests: a `tandem up --controllers 2` array on
// four free loopback ports (A0 A1 B0 B1), sessions of our initiator through a named
// port, and the sense/ALUA observations a host makes.
import assert from 'node:assert/strict';
import { InitiatorSession, scsi, ScsiCommandError } from '../../src/iscsi/initiator/index.js';
import { freePort } from './ports.js';
import { startArray, type RunningArray } from './tandem.js';

export interface HaArray {
  arr: RunningArray;
  ports: Record<string, number>;
  /** A logged-in session through `port` (closed by close()). */
  open(port: string, initiatorName?: string, opts?: { loginTimeout?: number }): Promise<InitiatorSession>;
  /** Runs the CLI, asserting exit 0; returns stdout. */
  ok(args: string[]): Promise<string>;
  owner(volume?: string): Promise<string>;
  /** The array's last warning/error log lines (for failure messages). */
  tail(lines?: number): string;
  close(): Promise<void>;
}

export async function startHaArray(opts: { dataDir?: string; keepDataDir?: boolean; ports?: Record<string, number> } = {}): Promise<HaArray> {
  const ports: Record<string, number> = { ...(opts.ports ?? {}) };
  for (const p of ['A0', 'A1', 'B0', 'B1']) ports[p] ??= await freePort();
  const arr = await startArray({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.keepDataDir ? { keepDataDir: true } : {}),
    extraArgs: ['--controllers', '2', ...Object.entries(ports).flatMap(([n, p]) => ['--portal', `${n}=127.0.0.1:${p}`])],
  });
  const sessions: InitiatorSession[] = [];
  return {
    arr,
    ports,
    async open(port, initiatorName = 'iqn.2026-11.test:ha-1', o = {}) {
      const s = new InitiatorSession({ host: '127.0.0.1', port: ports[port]!, targetName: arr.iqn, initiatorName, reconnect: false, ...o });
      sessions.push(s);
      await s.connect();
      return s;
    },
    async ok(args) {
      const r = await arr.cli(args);
      assert.equal(r.code, 0, `tandem ${args.join(' ')} → ${r.code}\n${r.stdout}${r.stderr}`);
      return r.stdout;
    },
    async owner(volume = 'demo') {
      return (await arr.api<{ currentOwner: string }>('GET', `/v1/volumes/${volume}`)).body.currentOwner;
    },
    tail(lines = 40) {
      return arr.output().split('\n').filter((l) => !l.includes('"level":30')).slice(-lines).join('\n');
    },
    async close() {
      for (const s of sessions) await s.close().catch(() => undefined);
      await arr.stop();
    },
  };
}

/** "key/asc/ascq" in hex of a failed command, or GOOD. */
export async function senseOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'GOOD';
  } catch (err) {
    assert.ok(err instanceof ScsiCommandError, String(err));
    return `${err.sense?.key}/${err.sense?.asc.toString(16)}/${err.sense?.ascq.toString(16).padStart(2, '0')}`;
  }
}

/** TEST UNIT READY until it is not a unit attention; returns the UAs seen as "asc/ascq". */
export async function drainUas(s: InitiatorSession): Promise<string[]> {
  const uas: string[] = [];
  for (let i = 0; i < 8; i++) {
    try {
      await scsi.testUnitReady(s, 0);
      return uas;
    } catch (err) {
      if (!(err instanceof ScsiCommandError) || err.sense?.key !== 6) return uas;
      uas.push(`${err.sense.asc.toString(16)}/${err.sense.ascq.toString(16).padStart(2, '0')}`);
    }
  }
  return uas;
}

/** ALUA state per target port group id (REPORT TARGET PORT GROUPS). */
export async function aluaStates(s: InitiatorSession): Promise<Record<number, string>> {
  return Object.fromEntries((await scsi.reportTargetPortGroups(s, 0)).groups.map((g) => [g.id, g.state]));
}

/** Polls `f` until it returns true or `ms` pass; returns the time it took, or throws. */
export async function waitFor(what: string, f: () => Promise<boolean>, ms = 10_000, stepMs = 100): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await f().catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
