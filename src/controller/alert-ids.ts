/**
 * The alerts of a dual-controller array, by kind: how an alert id is built
 * ("controller-failed:B"), how it is read back, and what the operator should do about
 * each kind. Every raiser and reader of these ids goes through here.
 */

interface AlertKindRow {
  /** What resolves the condition, for the controller (or port list) it concerns. */
  action(controller: string, ports?: readonly string[]): string;
}

const plural = (ports: readonly string[] | undefined): string => ((ports?.length ?? 0) > 1 ? 's' : '');

export const ALERT_KINDS = {
  /** A controller process died (or was fenced) and waits for an operator. */
  'controller-failed': { action: (c) => `run: tandem controller enable ${c}` },
  /** The peer link to a controller is lost while that controller is alive. */
  'peer-link-lost': { action: () => 'check the interconnect between the controllers (tandem fault peer-link-restore if it was injected)' },
  /** Fencing a controller failed: its volumes are offline until it is stopped. */
  'fence-failed': { action: (c) => `stop controller ${c} by hand (kill its process), then run: tandem controller enable ${c}` },
  /** A live controller's ports failed: its peer serves its addresses and volumes (ipFailover). */
  'controller-port-failover': {
    action: (_c, ports) => `repair the link of port${plural(ports)} ${(ports ?? []).join(', ')} (drill: ${(ports ?? ['PORT']).map((p) => `tandem fault port-up ${p}`).join('; ')})`,
  },
  /** A controller is back (from a port failover, a failure or a disable); its volumes wait for a failback (policy manual). */
  'controller-failback-needed': { action: (c) => `run: tandem controller failback ${c}` },
  /** A port's link is down and its controller has not failed over for it (the id names the port: "port-link-down:A1"). */
  'port-link-down': { action: (port) => `repair the link of port ${port} (drill: tandem fault port-up ${port})` },
  /** A controller cannot reach the back end of some volumes; they are served through its peer. */
  'backend-failed': { action: (c) => `repair the back end of controller ${c} (drill: tandem fault backend-repair ${c}); its volumes come back once it answers` },
} as const satisfies Record<string, AlertKindRow>;

export type AlertKind = keyof typeof ALERT_KINDS;

/** "controller-failed:B"; for 'port-link-down' the subject is a port ("port-link-down:A1"). */
export function alertId(kind: AlertKind, controller: string): string {
  return `${kind}:${controller}`;
}

/** The kind and controller of an id built by alertId(); undefined for any other id. */
export function parseAlertId(id: string): { kind: AlertKind; controller: string } | undefined {
  const at = id.indexOf(':');
  if (at < 0) return undefined;
  const kind = id.slice(0, at);
  if (!Object.hasOwn(ALERT_KINDS, kind)) return undefined;
  return { kind: kind as AlertKind, controller: id.slice(at + 1) };
}

/** What the operator should do about the alert with this id ("see tandem events" when it is not one of ours). */
export function alertAction(id: string, ports?: readonly string[]): string {
  const a = parseAlertId(id);
  return a ? ALERT_KINDS[a.kind].action(a.controller, ports) : 'see tandem events';
}
