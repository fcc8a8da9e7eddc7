/**
 * Keys of the run-time settings the dual-controller array keeps in the state store
 * (store.settings), so that what an operator changed survives a restart.
 */
/** The operator's cluster policy changes (tandem cluster policy set). */
export const POLICY_KEY = 'cluster-policy';
/** The operator's ipFailover per controller (tandem controller set-ipfailover). */
export const IP_FAILOVER_KEY = 'ip-failover';
