/**
 * One-path commands outside the I/O retry loop: identity probing (INQUIRY, VPD 80h/83h),
 * the checker's TEST UNIT READY and REPORT TARGET PORT GROUPS. Unit attentions and
 * BUSY are retried a few times on the same path (a UA is reported once per I_T nexus,
 * SAM-5 "unit attention conditions"); any other failure comes back as a verdict.
 */
import * as wire from '../scsi/wire/index.js';
import { classify, type Verdict } from './classify.js';
import type { PathTransport, ScsiRequest } from './path-transport.js';
import type { CheckResult } from './path-state.js';

const PROBE_RETRIES = 5;

export type ProbeResult = { ok: true; data: Buffer; sawAluaChange: boolean } | { ok: false; verdict: Verdict };

export async function probeCommand(path: PathTransport, req: ScsiRequest, timeoutMs?: number): Promise<ProbeResult> {
  let sawAluaChange = false;
  let last: Verdict | undefined;
  for (let i = 0; i < PROBE_RETRIES; i++) {
    const r = timeoutMs === undefined ? req : { ...req, timeoutMs };
    const v = classify(await path.execute(r));
    if (v.kind === 'good') return { ok: true, data: v.data, sawAluaChange };
    last = v;
    if (v.kind === 'alua-changed') sawAluaChange = true;
    else if (v.kind !== 'capacity-changed' && v.kind !== 'retry') break;
  }
  return { ok: false, verdict: last! };
}

export interface DeviceIdentity {
  naa?: string;
  serial?: string;
  vendor: string;
  product: string;
  /** ALUA support from standard INQUIRY TPGS: 0 none, 1 implicit, 2 explicit, 3 both. */
  tpgs: number;
}

export interface PathProbe {
  identity: DeviceIdentity;
  /** Grouping key: "naa.<hex>" or "serial.<vendor>.<product>.<serial>". */
  key: string;
  port: wire.DeviceIdentification;
}

export class ProbeError extends Error {
  constructor(readonly pathId: string, message: string) {
    super(`path ${pathId}: ${message}`);
    this.name = 'ProbeError';
  }
}

export function identityKey(id: { naa?: string; serial?: string; vendor: string; product: string }): string | undefined {
  if (id.naa) return `naa.${id.naa}`;
  if (id.serial) return `serial.${id.vendor}.${id.product}.${id.serial}`;
  return undefined;
}

/** INQUIRY, VPD 83h and VPD 80h through one path. Throws ProbeError when the path cannot tell. */
export async function probePath(path: PathTransport, timeoutMs?: number): Promise<PathProbe> {
  const std = await probeCommand(path, wire.inquiry(undefined, 96), timeoutMs);
  if (!std.ok) throw new ProbeError(path.id, `INQUIRY failed (${describe(std.verdict)})`);
  const inq: wire.StandardInquiry = wire.parseStandardInquiry(std.data);
  if (inq.peripheralQualifier !== 0) throw new ProbeError(path.id, `no logical unit connected at this LUN (peripheral qualifier ${inq.peripheralQualifier})`);
  if (inq.peripheralDeviceType !== 0) throw new ProbeError(path.id, `not a block device (peripheral device type ${inq.peripheralDeviceType.toString(16)}h)`);
  const vpd83 = await probeCommand(path, wire.inquiry(0x83, 1024), timeoutMs);
  const port: wire.DeviceIdentification = vpd83.ok ? wire.parseDeviceIdentification(vpd83.data) : { designators: [] };
  const vpd80 = await probeCommand(path, wire.inquiry(0x80, 255), timeoutMs);
  const serial = vpd80.ok ? wire.parseUnitSerial(vpd80.data) : undefined;
  const identity: DeviceIdentity = { vendor: inq.vendor, product: inq.product, tpgs: inq.tpgs };
  if (port.naa) identity.naa = port.naa;
  if (serial) identity.serial = serial;
  const key = identityKey(identity);
  if (!key) throw new ProbeError(path.id, 'the LU reports neither an NAA designator (VPD 83h) nor a unit serial number (VPD 80h)');
  return { identity, key, port };
}

export interface IdentityGroup {
  key: string;
  identity: DeviceIdentity;
  paths: PathTransport[];
  /** The probe of each path, in the order of `paths`. */
  probes: PathProbe[];
}

/**
 * Probe every path and group them into devices by the VPD 83h NAA designator, falling
 * back to the unit serial number (VPD 80h). Paths that cannot be probed are returned in
 * `failed` with the reason.
 */
export async function groupPathsByIdentity(paths: readonly PathTransport[], opts: { timeoutMs?: number } = {}): Promise<{ groups: IdentityGroup[]; failed: Array<{ path: PathTransport; error: Error }> }> {
  const results = await Promise.all(paths.map(async (p) => {
    try {
      return { p, probe: await probePath(p, opts.timeoutMs) };
    } catch (e) {
      return { p, error: e as Error };
    }
  }));
  const groups = new Map<string, IdentityGroup>();
  const failed: Array<{ path: PathTransport; error: Error }> = [];
  for (const r of results) {
    if ('error' in r) {
      failed.push({ path: r.p, error: r.error! });
      continue;
    }
    const g = groups.get(r.probe.key);
    if (g) {
      g.paths.push(r.p);
      g.probes.push(r.probe);
    } else groups.set(r.probe.key, { key: r.probe.key, identity: r.probe.identity, paths: [r.p], probes: [r.probe] });
  }
  return { groups: [...groups.values()], failed };
}

/** The path checker's probe (multipath-tools "tur" checker): TEST UNIT READY → CheckResult. */
export async function checkPath(path: PathTransport, timeoutMs?: number): Promise<{ result: CheckResult; capacityChanged: boolean }> {
  let capacityChanged = false;
  let aluaChanged = false;
  for (let i = 0; i < PROBE_RETRIES; i++) {
    const req = wire.testUnitReady();
    const v = classify(await path.execute(timeoutMs === undefined ? req : { ...req, timeoutMs }));
    switch (v.kind) {
      case 'good':
        return { result: aluaChanged ? 'ua-alua' : 'good', capacityChanged };
      case 'standby':
      case 'unavailable':
      case 'transitioning':
        return { result: v.kind, capacityChanged };
      case 'alua-changed':
        aluaChanged = true;
        continue;
      case 'capacity-changed':
        capacityChanged = true;
        continue;
      case 'retry':
        continue;
      default:
        return { result: 'failed', capacityChanged };
    }
  }
  return { result: aluaChanged ? 'ua-alua' : 'ua', capacityChanged };
}

export function describe(v: Verdict): string {
  switch (v.kind) {
    case 'path-failed':
      return v.reason;
    case 'retry':
      return v.reason;
    case 'good':
      return 'GOOD';
    case 'fatal':
      return v.sense?.description ?? `status ${v.status.toString(16)}h`;
    default:
      return v.sense.description;
  }
}
