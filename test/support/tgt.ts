// tgt (Linux SCSI target framework) as a third-party array on loopback: the reference
// we compare against in conformance runs and benchmarks. Needs root (tgtd).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { run } from './run.js';

export interface RunningTgt {
  portal: string;
  iqn: string;
  /** Run tgtadm against this tgtd (its own control port). */
  adm(args: string[]): ReturnType<typeof run>;
  url(lun?: number): string;
  stop(): Promise<void>;
}

export async function startTgt(opts: { sizeBytes?: number; dir?: string } = {}): Promise<RunningTgt> {
  const port = await freePort();
  const controlPort = 20000 + (port % 10000);
  const dir = opts.dir ?? mkdtempSync(join('/dev/shm', 'tandem-tgt-'));
  const img = join(dir, 'lun1.img');
  await run('truncate', ['-s', String(opts.sizeBytes ?? 1024 * 1024 * 1024), img]);
  const child: ChildProcess = spawn('tgtd', ['-f', '--iscsi', `portal=127.0.0.1:${port}`, '--control-port', String(controlPort)], { stdio: 'ignore' });
  const iqn = 'iqn.2026-11.test.tgt:ref';
  const adm = (args: string[]) => run('tgtadm', ['-C', String(controlPort), '--lld', 'iscsi', ...args]);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await adm(['--op', 'new', '--mode', 'target', '--tid', '1', '-T', iqn]);
    if (r.code === 0) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`tgtd did not start: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  for (const args of [
    ['--op', 'new', '--mode', 'logicalunit', '--tid', '1', '--lun', '1', '-b', img],
    ['--op', 'bind', '--mode', 'target', '--tid', '1', '-I', 'ALL'],
  ]) {
    const r = await adm(args);
    if (r.code !== 0) throw new Error(`tgtadm ${args.join(' ')} failed: ${r.stderr}`);
  }
  return {
    portal: `127.0.0.1:${port}`,
    iqn,
    adm,
    url: (lun = 1) => `iscsi://127.0.0.1:${port}/${iqn}/${lun}`,
    async stop() {
      const done = new Promise((res) => child.once('exit', res));
      child.kill('SIGKILL');
      await done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
