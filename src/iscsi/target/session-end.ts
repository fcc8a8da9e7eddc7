/**
 * Ending a session (logout, loss of its last connection, reinstatement): forget it, close
 * its connections, and tell the SCSI core the I_T nexus is gone (SAM-5 §6.3.4 "I_T nexus
 * loss") so it can clear per-nexus state and drop the session's tasks.
 */
import type { ConnectionPort } from './connection-port.js';
import type { Session } from './session.js';
import type { TargetContext } from './target-context.js';

export function endSession(ctx: TargetContext<ConnectionPort>, s: Session<ConnectionPort>, why: string): void {
  if (s.ended) return;
  s.ended = true;
  ctx.registry.remove(s);
  for (const c of [...s.connections]) {
    for (const t of c.tasks.values()) t.aborted = true;
    if (why === 'logout') c.closeAfterFlush(why);
    else c.close(why);
  }
  for (const item of s.window.heldItems()) item.aborted = true;
  if (s.nexus) {
    try {
      ctx.scsi.nexusLost(s.nexus);
    } catch (err) {
      ctx.logger.error({ err }, 'scsi nexusLost failed');
    }
  }
  ctx.logger.info({ initiator: s.initiatorName, tsih: s.tsih, why }, 'iscsi session ended');
}
