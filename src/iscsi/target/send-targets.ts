/**
 * SendTargets, RFC 7143 §13.3 and Appendix C: "TargetName=<name>" followed by one
 * "TargetAddress=<domainname>[:port],<portal-group-tag>" per portal; "If the address is an
 * IPv6 address, it MUST be enclosed in brackets" (§13.8 / RFC 3986 form).
 * SendTargets=All lists every target (we are one target); SendTargets=<name> only that
 * target; an empty value (Normal sessions) the session's own target.
 */
import type { PortalConfig } from './target-context.js';

const WILDCARD = new Set(['0.0.0.0', '::', '']);

export function formatTargetAddress(host: string, port: number, tpgt: number): string {
  const h = host.startsWith('::ffff:') ? host.slice(7) : host;
  return `${h.includes(':') ? `[${h}]` : h}:${port},${tpgt}`;
}

/**
 * Pairs answering SendTargets=<value>. `localHost` replaces wildcard listen addresses
 * (0.0.0.0, ::) with the address the initiator actually reached.
 */
export function sendTargetsReply(value: string, targetName: string, portals: PortalConfig[], localHost: string, visible: boolean): Array<[string, string]> {
  if (!visible) return [];
  if (value !== 'All' && value !== '' && value !== targetName) return [];
  const out: Array<[string, string]> = [['TargetName', targetName]];
  for (const p of portals) out.push(['TargetAddress', formatTargetAddress(WILDCARD.has(p.host) ? localHost : p.host, p.port, p.tpgt)]);
  return out;
}
