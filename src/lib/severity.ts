/** How bad an event or alert is, in rising order: the one vocabulary of the event log, the alerts and the HA runtime. */
export const SEVERITY_ORDER = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITY_ORDER)[number];
