/**
 * Port faults of one controller (HA design "Port failures", DS300 ipfailover semantics):
 * port-down closes the port's listener and its connections; with ipFailover local/both
 * another port of the same controller also answers on the failed port's address (with
 * its own TPGT and relative target port id). port-up restores the port's own listener.
 */
import type { IscsiTarget } from '../iscsi/target/iscsi-target.js';
import type { HaControllerConfig } from './ha-config.js';

export async function portDown(me: HaControllerConfig, iscsi: IscsiTarget, name: string): Promise<string> {
  const p = me.ports.find((x) => x.name === name);
  if (!p) throw new Error(`port ${name} is not on controller ${me.name}`);
  await iscsi.removePortal(p.host, p.port);
  const other = me.ports.find((x) => x.name !== name);
  if (other && (me.ipFailover === 'local' || me.ipFailover === 'both')) {
    // DS300 local ipfailover: the other port of this controller also answers on this address.
    await iscsi.addPortal({ host: p.host, port: p.port, tpgt: other.tpgt, relativeTargetPortId: other.relativeTargetPortId, targetPortGroupId: other.targetPortGroupId });
    return `port ${name} down: ${p.host}:${p.port} now served by port ${other.name} of controller ${me.name}`;
  }
  return `port ${name} down: ${p.host}:${p.port} not served`;
}
export async function portUp(me: HaControllerConfig, iscsi: IscsiTarget, name: string): Promise<string> {
  const p = me.ports.find((x) => x.name === name);
  if (!p) throw new Error(`port ${name} is not on controller ${me.name}`);
  await iscsi.removePortal(p.host, p.port);
  await iscsi.addPortal({ host: p.host, port: p.port, tpgt: p.tpgt, relativeTargetPortId: p.relativeTargetPortId, targetPortGroupId: p.targetPortGroupId });
  return `port ${name} up: ${p.host}:${p.port} served by its own port again`;
}
