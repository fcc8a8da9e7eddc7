/** How mappings are named in messages and events. */
import type { MappingRecord } from '../store/records.js';

export function describeMappingTarget(m: Pick<MappingRecord, 'kind' | 'hostName' | 'hostGroupName'>): string {
  if (m.kind === 'host') return `host ${m.hostName}`;
  if (m.kind === 'hostGroup') return `host group ${m.hostGroupName}`;
  return 'all loopback initiators';
}

export function describeMapping(m: MappingRecord): string {
  return `mapping ${m.id} (${m.volumeName} → ${describeMappingTarget(m)} as LUN ${m.lun})`;
}
