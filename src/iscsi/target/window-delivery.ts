/**
 * Running commands the CmdSN window released, in CmdSN order (RFC 7143 §4.2.2.1). Items
 * aborted while held, or whose connection has gone, are skipped.
 */
import type { ConnectionPort } from './connection-port.js';
import type { WindowItem } from './session.js';

export function runDelivered(current: ConnectionPort, items: Array<WindowItem<ConnectionPort>>): void {
  for (const it of items) {
    if (it.aborted || it.connection.phase !== 'full-feature') continue;
    if (it.connection === current) it.run();
    else it.connection.batch(it.run);
  }
}
