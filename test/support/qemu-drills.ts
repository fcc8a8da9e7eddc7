// The rig every host-stack drill file shares: a default two-controller array with `demo`
// owned by A, QEMU's iSCSI driver logged in through A0 only (qemu-host.ts), and the region
// fio verifies pre-filled (a fresh thin volume is slow to verify through qemu-nbd).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHaArray, type HaArray } from './ha.js';
import { fillRegion, startQemuNbd, type QemuHost } from './qemu-host.js';

/** QEMU's command timeout in the drills, s: what a Linux host allows a command (sd's 30 s). */
export const HOST_TIMEOUT_S = 30;

export interface HostDrillRig {
  ha: HaArray;
  q: QemuHost;
  close(): Promise<void>;
}

/** `name` names the initiator (iqn.2026-11.test:qemu-NAME) and the temporary directory. */
export async function startHostDrillRig(name: string): Promise<HostDrillRig> {
  const dir = mkdtempSync(join(tmpdir(), `tandem-${name}-`));
  const ha = await startHaArray();
  let q: QemuHost | undefined;
  const close = async (): Promise<void> => {
    await q?.stop();
    await ha.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if ((await ha.owner()) !== 'A') await ha.ok(['volume', 'trespass', 'demo', '--to', 'A']);
    q = await startQemuNbd({ portal: `127.0.0.1:${ha.ports.A0}`, iqn: ha.arr.iqn, initiator: `iqn.2026-11.test:qemu-${name}`, dir, timeoutS: HOST_TIMEOUT_S });
    await fillRegion(q.uri);
    return { ha, q, close };
  } catch (err) {
    await close();
    throw err;
  }
}
