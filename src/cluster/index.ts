/**
 * The vocabulary of a dual-controller array that every layer speaks (docs/architecture.md
 * "Layers, bottom up"; docs/ha.md): controllers and their health, the VNX failover mode
 * table, the DS300 ipFailover modes, volume ownership, the cluster policy, faults, and
 * the ClusterControl seam the supervisor implements for the API. Pure; it imports only
 * src/lib/. The HA decisions that use it are in src/controller/.
 */
export * from './controllers.js';
export * from './failover-modes.js';
export * from './ownership.js';
export * from './policy.js';
export * from './faults.js';
export * from './cluster-control.js';
