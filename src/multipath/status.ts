/**
 * The status of a multipath device for `tandem-host paths` (a powermt display-style
 * table): the pseudo device, its identity, the policy, queued I/Os and one row per path.
 */
import type { PathState } from './path-state.js';
import type { AluaStateName } from '../scsi/wire/index.js';
import type { SelectorName } from './selector.js';

export interface PathStatus {
  id: string;
  portal: string;
  targetPortGroup: number | null;
  relativeTargetPort: number | null;
  aluaState: AluaStateName;
  /** active: in the group I/O currently goes to; standby: alive or ghost but not used now. */
  mode: 'active' | 'standby' | 'unused';
  state: PathState;
  connected: boolean;
  inflight: number;
  ios: number;
  errors: number;
  /** Identity not yet confirmed (probe failed) or probed as another LU. */
  note?: 'unverified' | 'wrong-device';
}

export interface PathGroupStatus {
  targetPortGroup: number | null;
  aluaState: AluaStateName;
  pref: boolean;
  priority: number;
  paths: string[];
}

export interface MultipathStatus {
  name: string;
  identity: { naa?: string; serial?: string; vendor: string; product: string };
  /** "naa.<hex>" or "serial.<vendor>.<product>.<serial>". */
  wwid: string;
  sizeBytes: number;
  blockSize: number;
  policy: SelectorName;
  alua: 'none' | 'implicit' | 'explicit' | 'implicit+explicit';
  explicitFailover: boolean;
  noPathRetryMs: number | null;
  queuedIos: number;
  /** no_path_retry expired: I/O fails at once until a path is reinstated. */
  failingFast: boolean;
  groups: PathGroupStatus[];
  paths: PathStatus[];
}

/** A powermt-style text rendering. */
export function formatStatus(s: MultipathStatus): string {
  const lines: string[] = [];
  lines.push(`Pseudo name=${s.name}`);
  lines.push(`${s.identity.vendor} ${s.identity.product}  ID=${s.wwid}  size=${s.sizeBytes} bytes (${s.blockSize}-byte blocks)`);
  lines.push(`policy=${s.policy}; ALUA=${s.alua}${s.explicitFailover ? ' (explicit failover)' : ''}; queued-IOs=${s.queuedIos}; no_path_retry=${s.noPathRetryMs === null ? 'queue' : `${s.noPathRetryMs} ms`}${s.failingFast ? '; FAILING I/O (no path)' : ''}`);
  const cols = ['Path', 'Portal', 'TPG', 'ALUA', 'Mode', 'State', 'Q-IOs', 'IOs', 'Errors'];
  const rows = s.paths.map((p) => [
    p.id + (p.note ? ` (${p.note})` : ''),
    p.portal,
    p.targetPortGroup === null ? '-' : String(p.targetPortGroup),
    p.aluaState,
    p.mode,
    p.state,
    String(p.inflight),
    String(p.ios),
    String(p.errors),
  ]);
  const width = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((x, i) => x.padEnd(width[i]!)).join('  ').trimEnd();
  lines.push('='.repeat(Math.max(40, fmt(cols).length)));
  lines.push(fmt(cols));
  for (const r of rows) lines.push(fmt(r));
  return lines.join('\n');
}
