/**
 * Entry point of a controller process (forked by the supervisor): serves the controller's
 * side of the IPC protocol (src/supervisor/ipc/protocol.ts). 'init' builds and starts
 * the controller (controller.ts); every other request goes to its runtime with checked
 * arguments: the control-plane relay, takeover, the address plan ('listeners'), faults,
 * 'stop'.
 */
import type { ControllerRuntime } from '../controller/runtime/controller-runtime.js';
import type { SupervisorLink } from '../controller/runtime/supervisor-link.js';
import { createLogger } from '../lib/logger.js';
import { IpcEndpoint } from '../supervisor/ipc/endpoint.js';
import { IpcRpc, type IpcChannel } from '../supervisor/ipc/ipc-rpc.js';
import { startController } from './controller.js';

function main(): void {
  if (!process.send) {
    process.stderr.write('controller-main: must be forked by `tandem up --controllers 2`\n');
    process.exit(2);
  }
  const channel = new IpcEndpoint(new IpcRpc(process as unknown as IpcChannel), 'controller');
  const supervisor: SupervisorLink = {
    fence: (peer, reason) => channel.request('fence', { name: peer, reason }),
    event: (e) => channel.note('event', e),
    alert: (op, id, message) => channel.note('alert', { op, id, ...(message !== undefined ? { message } : {}) }),
    moving: (volumeId, on) => channel.note('moving', { volumeId, on }),
  };
  let runtime: ControllerRuntime | undefined;
  const rt = (op: string): ControllerRuntime => {
    if (!runtime) throw new Error(`controller not started (op ${op})`);
    return runtime;
  };
  // The supervisor is gone ⇒ nobody can fence or relay: stop serving.
  process.on('disconnect', () => process.exit(0));
  channel.serve({
    'init': async (init) => {
      const logger = createLogger({ level: process.env.TANDEM_LOG_LEVEL ?? init.logLevel }).child({ controller: init.self });
      runtime = await startController(init, supervisor, (e) => channel.note('datapath-event', e), logger);
      return { pid: process.pid, portals: runtime.portals() };
    },
    'volume-created': (a) => rt('volume-created').volumeCreated(a.v, a.create),
    'volume-resized': (a) => rt('volume-resized').volumeResized(a.v, a.size),
    'volume-deleted': (a) => rt('volume-deleted').volumeDeleted(a.v),
    'write-protect': (a) => rt('write-protect').setWriteProtected(a.v, a.wp),
    'access-changed': () => rt('access-changed').accessChanged(),
    'sessions': () => rt('sessions').sessions(),
    'ownership-reload': () => rt('ownership-reload').reloadOwnership(),
    'trespass': (a) => rt('trespass').trespass(a.volumeId, a.to, a.reason),
    'take-over': (a) => rt('take-over').takeOver(a.name, a.why, a.disabled === true),
    'peer-rejoining': (a) => rt('peer-rejoining').peerRejoining(a.name),
    'peer-health': (a) => rt('peer-health').setPeerHealth(a.name, a.health),
    'policy': (a) => rt('policy').setPolicy(a.policy),
    'listeners': (a) => rt('listeners').setListeners(a.listeners, a.served),
    'link-cut': () => rt('link-cut').linkCut(),
    'link-restore': () => rt('link-restore').linkRestore(),
    'backend-fail': (a) => rt('backend-fail').backendFail(a.volumeId),
    'backend-repair': (a) => rt('backend-repair').backendRepair(a.volumeId),
    'status': () => rt('status').status(),
    'serve': () => rt('serve').serve(),
    'stop': async () => {
      await rt('stop').stop();
      setImmediate(() => process.exit(0));
    },
  });
}

main();
