/**
 * One network address of the array (an iSCSI portal or the management API): the type
 * every part of the configuration shares, how an operator writes it ("HOST:PORT") and
 * whether it is on loopback (a loopback portal admits any initiator; see the access plane).
 */
import { isIP } from 'node:net';
import { ValidationError } from '../lib/errors.js';

export interface PortalConfig {
  host: string;
  port: number;
}

/** Parse "HOST:PORT", "[v6]:PORT" or ":PORT"/"PORT" (host defaults to 127.0.0.1). */
export function parseHostPort(value: string, field: string): PortalConfig {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):?(\d+)$/.exec(value.trim()) ?? /^()()(\d+)$/.exec(value.trim());
  if (!m) throw new ValidationError(`${field}: '${value}' is not HOST:PORT (example: 127.0.0.1:3260)`, field);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ValidationError(`${field}: port ${m[3]} is out of range 0-65535`, field);
  if (host !== 'localhost' && isIP(host) === 0) throw new ValidationError(`${field}: '${host}' is not an IP address (use a numeric address such as 127.0.0.1)`, field);
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

export function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.') || host === 'localhost';
}
