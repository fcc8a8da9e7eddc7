/**
 * The supervisor's entries in the event log (category 'cluster'): controller state
 * changes, address moves, faults and operator actions; and the controllers' data-path
 * events. Recording never throws: a store that cannot take the entry is logged instead.
 */
import type { Logger } from '../lib/logger.js';
import type { EventInput, EventLog } from '../management/event-log.js';
import type { Severity } from '../lib/severity.js';

export type ClusterEventSink = (severity: Severity, short: string, actor?: string, long?: string) => void;

/** Records an event; a store that cannot take it (closing, locked) is logged instead. */
export function recordSafely(events: Pick<EventLog, 'record'>, logger: Logger): (e: EventInput) => void {
  return (e) => {
    try {
      events.record(e);
    } catch (err) {
      logger.error({ err }, 'event record failed');
    }
  };
}

export function clusterEvents(events: Pick<EventLog, 'record'>, logger: Logger): ClusterEventSink {
  const record = recordSafely(events, logger);
  return (severity, short, actor = 'supervisor', long) => record({ severity, category: 'cluster', actor, short, ...(long ? { long } : {}) });
}
