/**
 * The faults an operator or a test may inject into a dual-controller array (`tandem
 * fault`, POST /v1/faults; docs/ha.md "Failure detection, fencing, takeover", "Port
 * failures", "Back-end failure"), and the check of a request. Pure.
 */
import { ValidationError } from '../lib/errors.js';

export const FAULT_KINDS = [
  'kill-controller',
  /** SIGSTOP: the process hangs (no heartbeat, no lease renewal) until its peer has it fenced. */
  'hang-controller',
  'port-down',
  'port-up',
  'peer-link-cut',
  'peer-link-restore',
  'backend-fail',
  'backend-repair',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type FaultRequest =
  | { kind: 'kill-controller' | 'hang-controller'; controller: string }
  | { kind: 'port-down' | 'port-up'; port: string }
  | { kind: 'peer-link-cut' | 'peer-link-restore' }
  | { kind: 'backend-fail' | 'backend-repair'; controller: string; volume?: string };

/** Loose input (an API body) → a FaultRequest, naming the missing or stray field. */
export function checkFaultRequest(body: { kind: string; controller?: string | undefined; port?: string | undefined; volume?: string | undefined }): FaultRequest {
  const { kind } = body;
  if (!FAULT_KINDS.includes(kind as FaultKind)) {
    throw new ValidationError(`kind must be one of ${FAULT_KINDS.join(', ')} (got ${JSON.stringify(kind)})`, 'kind');
  }
  const needs: Record<FaultKind, Array<'controller' | 'port' | 'volume'>> = {
    'kill-controller': ['controller'], 'hang-controller': ['controller'], 'port-down': ['port'], 'port-up': ['port'], 'peer-link-cut': [], 'peer-link-restore': [],
    'backend-fail': ['controller'], 'backend-repair': ['controller'],
  };
  const allowed = new Set<string>([...needs[kind as FaultKind], ...(kind.startsWith('backend-') ? ['volume'] : [])]);
  for (const f of ['controller', 'port', 'volume'] as const) {
    if (body[f] !== undefined && !allowed.has(f)) throw new ValidationError(`a ${kind} fault takes no ${f}: remove it`, f);
  }
  for (const f of needs[kind as FaultKind]) {
    if (body[f] === undefined || body[f] === '') throw new ValidationError(`a ${kind} fault needs ${f}`, f);
  }
  switch (kind as FaultKind) {
    case 'kill-controller': case 'hang-controller': return { kind: kind as 'kill-controller' | 'hang-controller', controller: body.controller! };
    case 'port-down': case 'port-up': return { kind: kind as 'port-down' | 'port-up', port: body.port! };
    case 'peer-link-cut': case 'peer-link-restore': return { kind: kind as 'peer-link-cut' | 'peer-link-restore' };
    default: return {
      kind: kind as 'backend-fail' | 'backend-repair', controller: body.controller!,
      ...(body.volume !== undefined ? { volume: body.volume } : {}),
    };
  }
}
