// The third-party peers the tests drive (libiscsi's tools and library, qemu, fio, tgt, nbdkit) and
// the one rule for a test whose peer is missing: it is skipped on a developer's machine,
// and it fails at once, naming the tool and its Debian package, when
// TANDEM_REQUIRE_PEER_TOOLS=1 (CI sets it: a machine without the peers must not go green).
//
//   test('qemu-io reads it back', requireTools('qemu-io', 'qemu-iscsi'), async () => { ... });
//   test('fio through NBD', { ...requireTools('fio'), timeout: 60_000 }, async () => { ... });
//
// Under the switch a test with a missing peer gets an already aborted signal: node:test
// reports it failed (cancelled, counted as failed by scripts/run-tests.mjs) with the
// message below, without running its body or its suite's hooks.
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const REQUIRE_SWITCH = 'TANDEM_REQUIRE_PEER_TOOLS';

/** Every peer a test may need: an executable on PATH, a qemu module, or root. */
export const PEER_TOOLS = {
  'iscsi-test-cu': { pkg: 'libiscsi-bin', what: 'libiscsi conformance suite' },
  'iscsi-ls': { pkg: 'libiscsi-bin', what: 'libiscsi discovery tool' },
  'iscsi-inq': { pkg: 'libiscsi-bin', what: 'libiscsi INQUIRY tool' },
  'iscsi-readcapacity16': { pkg: 'libiscsi-bin', what: 'libiscsi READ CAPACITY tool' },
  'iscsi-perf': { pkg: 'libiscsi-bin', what: 'libiscsi benchmark' },
  'qemu-img': { pkg: 'qemu-utils', what: 'qemu disk image tool' },
  'qemu-io': { pkg: 'qemu-utils', what: 'qemu I/O tool' },
  'qemu-nbd': { pkg: 'qemu-utils', what: 'qemu NBD server' },
  'qemu-iscsi': { pkg: 'qemu-block-extra', what: "qemu's iSCSI block driver block-iscsi.so, which qemu-io and qemu-img need for iscsi:// URLs" },
  fio: { pkg: 'fio', what: 'fio with its nbd engine' },
  tgtd: { pkg: 'tgt', what: 'tgt target daemon' },
  tgtadm: { pkg: 'tgt', what: 'tgt admin tool' },
  nbdkit: { pkg: 'nbdkit', what: 'nbdkit NBD server' },
  cc: { pkg: 'gcc', what: 'C compiler for the test clients in test/peers/' },
  'libiscsi-dev': { pkg: 'libiscsi-dev', what: "libiscsi's headers and library, which the test clients in test/peers/ are built against" },
  root: { pkg: undefined, what: 'root: tgtd opens its iSCSI portal and control socket only as root' },
} as const;
export type PeerTool = keyof typeof PEER_TOOLS;

/** What the rule looks at; tests of the rule inject their own. */
export interface PeerProbe {
  env: NodeJS.ProcessEnv;
  uid: number | undefined;
  /** True when the executable is on PATH. */
  onPath(name: string, path: string): boolean;
  /** True when qemu's iSCSI block driver is installed. */
  qemuIscsi(): boolean;
  /** True when libiscsi's development headers are installed (absent: looked up on this machine). */
  libiscsiHeaders?(): boolean;
}

function onPath(name: string, path: string): boolean {
  return path.split(':').some((d) => {
    if (!d) return false;
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** qemu looks for block-iscsi.so in its module directory: /usr/lib/<triplet>/qemu on Debian. */
function qemuIscsi(): boolean {
  const dirs = ['/usr/lib/qemu', '/usr/lib64/qemu'];
  try {
    for (const e of readdirSync('/usr/lib')) if (e.endsWith('-linux-gnu')) dirs.push(join('/usr/lib', e, 'qemu'));
  } catch { /* no /usr/lib */ }
  return dirs.some((d) => existsSync(join(d, 'block-iscsi.so')));
}

const libiscsiHeaders = (): boolean => existsSync('/usr/include/iscsi/iscsi.h');

export const systemProbe: PeerProbe = { env: process.env, uid: process.getuid?.(), onPath, qemuIscsi, libiscsiHeaders };

function present(tool: PeerTool, p: PeerProbe): boolean {
  if (tool === 'root') return p.uid === 0;
  if (tool === 'qemu-iscsi') return p.qemuIscsi();
  if (tool === 'libiscsi-dev') return (p.libiscsiHeaders ?? libiscsiHeaders)();
  return p.onPath(tool, p.env.PATH ?? '');
}

/** The peers of `needs` that are not here (in the order given, without repeats). */
export function missingTools(needs: readonly PeerTool[], p: PeerProbe = systemProbe): PeerTool[] {
  return [...new Set(needs)].filter((t) => !present(t, p));
}

/** True when TANDEM_REQUIRE_PEER_TOOLS=1: a missing peer fails the test instead of skipping it. */
export function peerToolsRequired(p: PeerProbe = systemProbe): boolean {
  return p.env[REQUIRE_SWITCH] === '1';
}

/** One line per missing peer: what it is and how to get it. */
export function describeMissing(missing: readonly PeerTool[], uid: number | undefined = systemProbe.uid): string {
  const pkgs = [...new Set(missing.map((t) => PEER_TOOLS[t].pkg).filter((x): x is NonNullable<typeof x> => x !== undefined))];
  const parts = missing.map((t) => {
    const d = PEER_TOOLS[t];
    return d.pkg ? `${t} (${d.what}; Debian package ${d.pkg})` : `${d.what} (running as uid ${uid ?? '?'})`;
  });
  const fix = [...(pkgs.length > 0 ? [`apt-get install ${pkgs.join(' ')}`] : []), ...(missing.includes('root') ? ['run the tests as root'] : [])];
  return `missing peer: ${parts.join(', ')}; fix: ${fix.join(', then ')}`;
}

export interface PeerTestOptions {
  skip?: string;
  signal?: AbortSignal;
}

/**
 * node:test options for a test or suite that drives these peers: {} when all are here;
 * `{ skip: why }` when one is missing; under TANDEM_REQUIRE_PEER_TOOLS=1 an aborted
 * signal instead, so the test fails at once with the missing tool and its package.
 */
export function requireTools(...needs: PeerTool[]): PeerTestOptions {
  return peerToolOptions(needs, systemProbe);
}

export function peerToolOptions(needs: readonly PeerTool[], p: PeerProbe): PeerTestOptions {
  const missing = missingTools(needs, p);
  if (missing.length === 0) return {};
  const why = describeMissing(missing, p.uid);
  if (!peerToolsRequired(p)) return { skip: why };
  return { signal: AbortSignal.abort(new Error(`${why} (${REQUIRE_SWITCH}=1: a missing peer is a failure, not a skip)`)) };
}

/**
 * Whether the peers for an optional part of a test are here (the part is left out when
 * they are not). Under the switch nothing is optional: list them in requireTools too.
 */
export function haveTools(...needs: PeerTool[]): boolean {
  return missingTools(needs).length === 0;
}

/** `needs` under the switch, none otherwise: for peers a test can do without locally but CI must have. */
export function requiredUnderSwitch(...needs: PeerTool[]): PeerTool[] {
  return peerToolsRequired() ? needs : [];
}
