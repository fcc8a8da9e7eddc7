/**
 * Our own target in-process for the initiator's integration tests: IscsiTarget on an
 * ephemeral loopback port, over either the real SCSI core (ScsiTarget + LogicalUnit on a
 * MemoryDevice, as the daemon builds them) or the transport tests' FakeScsiPort (whose
 * `gate` holds commands, for abort tests).
 */
import { MemoryDevice } from '../../../block/memory-device.js';
import { silentLogger } from '../../../lib/logger.js';
import { LogicalUnit, ScsiTarget, type ScsiTargetPort } from '../../../scsi/index.js';
import { IscsiTarget, type AuthPolicy, type ChapCredentials, type TargetLimits } from '../../target/iscsi-target.js';
import { FakeScsiPort } from '../../target/test-support/fake-scsi-port.js';

export const TARGET_IQN = 'iqn.2026-11.test:initiator-target';
export const INITIATOR_IQN = 'iqn.2026-11.test:our-initiator';

export interface Harness {
  target: IscsiTarget;
  port: number;
  device: MemoryDevice;
  fake?: FakeScsiPort;
  stop(): Promise<void>;
}

export async function startHarness(o: {
  sizeBytes?: number;
  chap?: ChapCredentials;
  fake?: boolean;
  limits?: Partial<TargetLimits>;
  queueDepth?: number;
  nopInterval?: number;
  nopTimeout?: number;
  port?: number;
} = {}): Promise<Harness> {
  const size = o.sizeBytes ?? 64 * 1024 * 1024;
  let scsi: ScsiTargetPort;
  let device: MemoryDevice;
  let fake: FakeScsiPort | undefined;
  if (o.fake) {
    fake = new FakeScsiPort(size);
    device = fake.device;
    scsi = fake;
  } else {
    device = new MemoryDevice(512, size);
    const lu = new LogicalUnit({
      identity: { name: 'vol1', naa: Buffer.from('6001405a0b0c0d0e0f10111213141516', 'hex'), serial: 'SERIAL0001', vendor: 'TANDEM', product: 'VOLUME', revision: '0001' },
      device,
    });
    const luns = new Map([[0, lu]]);
    const core = new ScsiTarget({ access: { lunsFor: () => luns }, ports: [{ relativeTargetPortId: 1, targetPortGroupId: 1, name: `${TARGET_IQN},t,0x0001` }] });
    scsi = {
      execute: (cmd) => core.execute(cmd),
      taskManagement: (req) => core.taskManagement(req),
      lunsFor: (n) => core.lunsFor(n),
      nexusCreated: (n) => core.nexusCreated(n),
      nexusLost: (n) => core.nexusLost(n),
    };
  }
  const auth: AuthPolicy = { isAllowed: () => true, chapFor: () => o.chap };
  const target = new IscsiTarget({
    targetName: TARGET_IQN,
    portals: [{ host: '127.0.0.1', port: o.port ?? 0, tpgt: 1, relativeTargetPortId: 1, targetPortGroupId: 1 }],
    scsi,
    auth,
    logger: silentLogger(),
    nopInterval: o.nopInterval ?? 0,
    nopTimeout: o.nopTimeout ?? 15000,
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.queueDepth !== undefined ? { queueDepth: o.queueDepth } : {}),
  });
  await target.start();
  const port = target.boundPortals()[0]!.port;
  const h: Harness = { target, port, device, stop: () => target.stop(50) };
  if (fake) h.fake = fake;
  return h;
}
