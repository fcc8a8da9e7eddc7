export { Store, STATE_DB_FILE, type StoreOptions } from './store.js';
export * from './records.js';
export { newNaa, newVolumeId, serialFromId, targetIqnFor, TANDEM_COMPANY_ID } from './identifiers.js';
export type { EventQuery } from './event-repo.js';
export { SCHEMA_VERSION } from './migrations.js';
export type { LuStateParts, LuStateRecord, LuUaRecord } from './lu-state-repo.js';
export type { LeaseGuard } from './ownership-repo.js';
