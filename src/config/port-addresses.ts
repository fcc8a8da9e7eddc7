/**
 * The addresses of the dual-controller array's four iSCSI ports (docs/ha.md "Ports and
 * addresses"): A0 A1 on controller A, B0 B1 on controller B, each its own address.
 *
 * Rules, in order:
 * 1. A named address (`--portal A0=HOST:PORT`, file `"ports": {"A0": …}`) sets that port.
 * 2. Unnamed addresses (`--portal HOST:PORT`, file `"portals": […]`) fill the ports that
 *    have no name given, in the order A0, A1, B0, B1.
 * 3. Ports still without an address count up from the first given address (the first
 *    unnamed one, else the first named one in port order; none given: 127.0.0.1:3260):
 *    same port number, the last octet of a loopback IPv4 address + 1, + 2, …, skipping
 *    hosts another port already uses. A non-loopback address is never guessed at: the
 *    operator must give each port one (or run one controller).
 * 4. No two ports share HOST:PORT (port 0, "any free port", excepted).
 */
import { isIP } from 'node:net';
import { ValidationError } from '../lib/errors.js';
import type { PortalConfig } from './portal.js';

export const HA_CONTROLLER_NAMES = ['A', 'B'] as const;
export const HA_PORT_NAMES = ['A0', 'A1', 'B0', 'B1'] as const;

/** An address and where the operator gave it, so that errors can quote it. */
export interface AddressSource extends PortalConfig {
  /** '--portal' (flag), 'portals' or 'ports' (configuration file), 'default'. */
  field: string;
  /** The value as given, e.g. "A0=127.0.0.1:3260". */
  text: string;
  /** Where it was given, to quote before `text`: "--portal", "FILE: ports.A0", "FILE: portals". */
  where: string;
}

const FIX = 'give each port an address: --portal A0=… --portal A1=… --portal B0=… --portal B1=… ' +
  '(configuration file: "ports": {"A0": "HOST:PORT", "A1": …, "B0": …, "B1": …}), or run one controller with --controllers 1';

const fieldOf = (s: AddressSource): string => (s.field === '--portal' ? 'portal' : s.field);
const quote = (s: AddressSource): string => `${s.where} ${s.text}`;

/** Resolves the four port addresses (A0, A1, B0, B1 order) or throws a ValidationError naming the field and the fix. */
export function resolvePortAddresses(named: ReadonlyMap<string, AddressSource>, unnamedIn: readonly AddressSource[]): PortalConfig[] {
  for (const [name, src] of named) {
    if (!(HA_PORT_NAMES as readonly string[]).includes(name)) {
      throw new ValidationError(`${quote(src)}: no port named ${name} (ports: ${HA_PORT_NAMES.join(', ')})`, fieldOf(src));
    }
  }
  const unnamed = named.size === 0 && unnamedIn.length === 0
    ? [{ host: '127.0.0.1', port: 3260, field: 'default', text: '127.0.0.1:3260', where: 'the default portal' }]
    : unnamedIn;
  const free = HA_PORT_NAMES.filter((n) => !named.has(n));
  if (unnamed.length > free.length) {
    const src = unnamed[0]!;
    const what = unnamed.map((u) => u.text).join(', ');
    throw new ValidationError(named.size === 0
      ? `${src.where}: ${unnamed.length} unnamed portals (${what}), but two controllers have 4 ports (${HA_PORT_NAMES.join(', ')}): give at most 4, or ${FIX}`
      : `${src.where}: ${unnamed.length} unnamed portals (${what}), but only ${free.length === 0 ? 'no port is' : `${free.join(', ')} ${free.length === 1 ? 'is' : 'are'}`} left without a named address: drop the extra ones, or ${FIX}`,
    fieldOf(src));
  }
  const chosen = new Map<string, AddressSource>(named);
  free.forEach((name, i) => { if (unnamed[i]) chosen.set(name, unnamed[i]!); });

  const missing = HA_PORT_NAMES.filter((n) => !chosen.has(n));
  if (missing.length > 0) {
    const base = unnamed[0] ?? HA_PORT_NAMES.map((n) => chosen.get(n)).find((s) => s !== undefined)!;
    const octets = base.host.split('.');
    if (isIP(base.host) !== 4 || octets[0] !== '127') {
      throw new ValidationError(
        `${quote(base)}: ports ${missing.join(', ')} have no address, and ${base.host} is not a loopback IPv4 address the others can be counted up from: ${FIX}`,
        fieldOf(base));
    }
    const usedHosts = new Set([...chosen.values()].map((s) => s.host));
    let last = Number(octets[3]);
    for (const name of missing) {
      do last++; while (usedHosts.has(`${octets.slice(0, 3).join('.')}.${last}`));
      if (last > 254) {
        throw new ValidationError(`${quote(base)}: counting up from ${base.host} leaves no address for ${name} below ${octets.slice(0, 3).join('.')}.255: ${FIX}`, fieldOf(base));
      }
      const host = `${octets.slice(0, 3).join('.')}.${last}`;
      usedHosts.add(host);
      chosen.set(name, { ...base, host, text: `${host}:${base.port} (counted up from ${base.text})` });
    }
  }
  const entries = HA_PORT_NAMES.map((name) => ({ ...chosen.get(name)!, what: `${name} (${quote(chosen.get(name)!)})` }));
  const flagGiven = entries.some((e) => e.field === '--portal');
  checkDistinct(entries, flagGiven ? 'portal' : entries.find((e) => e.field !== 'default')?.field ?? 'portal');
  return entries.map(({ host, port }) => ({ host, port }));
}

/** Throws when two entries share HOST:PORT (port 0 = "any free port" may repeat). */
export function checkDistinct(entries: ReadonlyArray<PortalConfig & { what: string }>, field: string): void {
  const seen = new Map<string, string>();
  for (const e of entries) {
    const key = `${e.host}:${e.port}`;
    const other = seen.get(key);
    if (e.port !== 0 && other !== undefined) {
      throw new ValidationError(other === e.what || other === key
        ? `portal ${key} is listed twice; give each portal once`
        : `portal ${key} is used by ${other} and ${e.what}; give each port its own address`, field);
    }
    seen.set(key, e.what);
  }
}
