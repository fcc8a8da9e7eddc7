/**
 * SendTargets response text, RFC 7143 Appendix C: "TargetName=" starts a record, the
 * "TargetAddress=domainname[:port][,portal-group-tag]" lines that follow belong to it
 * (§13.8); an IPv6 literal is bracketed.
 */
import { parseTextData } from '../pdu/text.js';

export interface DiscoveredTarget {
  targetName: string;
  portals: Array<{ host: string; port: number; tpgt: number }>;
}

/** Parse the SendTargets text: TargetName starts a record, TargetAddress lines follow. */
export function parseSendTargets(text: Buffer, defaultHost: string, defaultPort: number): DiscoveredTarget[] {
  const parsed = parseTextData(text);
  if (!parsed.ok) throw new Error(`bad SendTargets response: ${parsed.message}`);
  const out: DiscoveredTarget[] = [];
  let cur: DiscoveredTarget | undefined;
  for (const [k, v] of parsed.pairs) {
    if (k === 'TargetName') {
      cur = { targetName: v, portals: [] };
      out.push(cur);
    } else if (k === 'TargetAddress' && cur) {
      const a = parseTargetAddress(v, defaultPort);
      if (a) cur.portals.push(a);
    }
  }
  // §C: a target may omit TargetAddress when it is reached where we asked
  for (const t of out) if (t.portals.length === 0) t.portals.push({ host: defaultHost, port: defaultPort, tpgt: 1 });
  return out;
}

export function parseTargetAddress(v: string, defaultPort: number): { host: string; port: number; tpgt: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:,]+)(?::(\d+))?(?:,(\d+))?$/.exec(v.trim());
  if (!m) return undefined;
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port: m[2] ? Number(m[2]) : defaultPort, tpgt: m[3] ? Number(m[3]) : 1 };
}
