/**
 * Entry point of a controller process (forked by the supervisor, HA design "Processes"):
 * its own composition root. Waits for 'init' over IPC, starts a ControllerRuntime and
 * serves the supervisor's requests (control-plane relay, takeover, address plan
 * 'listeners', faults).
 */
import { createLogger } from '../lib/logger.js';
import type { ControllerHealth } from '../controller/index.js';
import type { ClusterPolicy } from '../management/cluster.js';
import type { VolumeRecord } from '../store/records.js';
import type { PortalListener } from './address-plan.js';
import { ControllerRuntime, type ControllerInit } from './controller-runtime.js';
import { IpcRpc } from './ipc-rpc.js';

function main(): void {
  if (!process.send) {
    process.stderr.write('controller-main: must be forked by `tandem up --controllers 2`\n');
    process.exit(2);
  }
  const rpc = new IpcRpc(process as unknown as import('./ipc-rpc.js').IpcChannel);
  let rt: ControllerRuntime | undefined;
  // The supervisor is gone ⇒ nobody can fence or relay: stop serving.
  process.on('disconnect', () => process.exit(0));
  rpc.onRequest(async (op, raw) => {
    const a = (raw ?? {}) as Record<string, unknown>;
    if (op === 'init') {
      const init = a as unknown as ControllerInit & { logLevel: string };
      const logger = createLogger({ level: process.env.TANDEM_LOG_LEVEL ?? init.logLevel ?? 'info' }).child({ controller: init.self });
      rt = await ControllerRuntime.start(init, rpc, logger);
      return { pid: process.pid, portals: rt.iscsi.boundPortals() };
    }
    if (!rt) throw new Error(`controller not started (op ${op})`);
    const v = a.v as VolumeRecord;
    switch (op) {
      case 'volume-created': return rt.volumeCreated(v, a.create === true);
      case 'volume-resized': return rt.volumeResized(v, a.size as number);
      case 'volume-deleted': return rt.volumeDeleted(v);
      case 'write-protect': return rt.setWriteProtected(v, a.wp === true);
      case 'access-changed': return rt.accessChanged();
      case 'sessions': return rt.sessions();
      case 'ownership-reload': return rt.reloadOwnership();
      case 'trespass': return rt.trespass(a.volumeId as string, a.to as string, (a.reason as never) ?? 'manual');
      case 'take-over': return rt.takeOver(a.name as string, (a.why as string | undefined) ?? undefined, a.disabled === true);
      case 'peer-rejoining': return rt.peerRejoining(a.name as string);
      case 'peer-health': return rt.setPeerHealth(a.name as string, a.health as ControllerHealth);
      case 'policy': return rt.setPolicy(a.policy as ClusterPolicy);
      case 'listeners': return rt.setListeners((a.listeners as PortalListener[] | undefined) ?? [], a.served as string[] | undefined);
      case 'link-cut': return rt.linkCut();
      case 'link-restore': return rt.linkRestore();
      case 'backend-fail': return rt.backendFail(a.volumeId as string | undefined);
      case 'backend-repair': return rt.backendRepair(a.volumeId as string | undefined);
      case 'status': return rt.status();
      case 'stop':
        await rt.stop();
        setImmediate(() => process.exit(0));
        return null;
      default: throw new Error(`unknown op ${op}`);
    }
  });
}

main();
