/**
 * Volume ownership as every layer names it (docs/ha.md "Ownership and ALUA"; DS300 note
 * in docs/sources.md: "Arrays do indicate ownership – both current and preferred ...
 * Preferred ownership will not change on a controller failure"): the one ownership
 * type, the operator's view of it, and the ALUA states a live non-owner may report.
 * The model's operations (trespass, takeover, failback, the ALUA state per port group)
 * are src/controller/ownership.ts. Pure: types and names only.
 */

export interface VolumeOwnership {
  readonly volumeId: string;
  readonly preferredOwner: string;
  readonly currentOwner: string;
  /** Bumped by every change of currentOwner; the store compares and sets on it. */
  readonly epoch: number;
  /** A move is in progress: ALUA reports transitioning on every group. */
  readonly transitioning: boolean;
  /** Failover mode 0 auto-trespass flag. */
  readonly autoTrespass: boolean;
}

/**
 * A volume's ownership as the operator sees it: preferred and current owner, VNX
 * failover mode 0 auto-trespass, and whether a move is under way (ALUA transitioning on
 * both controllers). The controllers' VolumeOwnership without its id and epoch.
 */
export type OwnershipView = Pick<VolumeOwnership, 'preferredOwner' | 'currentOwner' | 'autoTrespass' | 'transitioning'>;

/** ALUA states a live non-owner may report for a volume (the policy's nonOwnerState). */
export const NON_OWNER_STATES = ['active-non-optimized', 'standby'] as const;
export type NonOwnerState = (typeof NON_OWNER_STATES)[number];
