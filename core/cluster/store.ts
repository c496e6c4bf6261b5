// Cluster state (issue 18): the bridge nodes that share one database, their
// heartbeats, which node hosts a room's live conference, and the claim a
// survivor takes on a node that stopped beating (core/cluster/sweeper.ts).
export interface ClusterNode {
  id: string;
  sipHost: string;
  sipPort: number;
  startedAt: Date;
  heartbeatAt: Date;
  draining: boolean;
  /** heartbeatAt within staleMs of `at`, and the node has not left. */
  alive: boolean;
}

/** What a node says of itself at each beat. */
export interface NodeBeat {
  id: string;
  sipHost: string;
  sipPort: number;
  /** When this run of the node started: a new value is a restart. */
  startedAt: Date;
  draining: boolean;
}

/** A dead node one survivor has claimed: the run (startedAt) whose legs and conferences it cleans up. */
export interface SweepClaim {
  nodeId: string;
  startedAt: Date;
  heartbeatAt: Date;
  /** The node left cleanly (ClusterStore.leave): usually nothing is left to close. */
  left: boolean;
}

/** A conference ended because its node was lost. */
export interface LostConference {
  conferenceId: string;
  accountId: string;
}

export interface ClusterStore {
  /** Upsert of this node's row; a node that restarts (new startedAt) is alive again and no longer "swept". */
  heartbeat(node: NodeBeat, at: Date): Promise<void>;
  /** Clean shutdown: the row says the node left (not alive, nothing to sweep once its calls are closed). */
  leave(nodeId: string, at: Date): Promise<void>;
  nodes(at: Date, staleMs: number): Promise<ClusterNode[]>;
  node(id: string, at: Date, staleMs: number): Promise<ClusterNode | undefined>;
  /** The live conference of a room and its host node (undefined: none live). */
  hostOf(accountId: string, roomId: string, at: Date, staleMs: number): Promise<{ conferenceId: string; node: ClusterNode | undefined; nodeId: string } | undefined>;
  /** Moves a live conference to `toNode` when it is still on `fromNode` (one conditional UPDATE): true when moved. */
  takeOver(conferenceId: string, fromNode: string, toNode: string, at: Date): Promise<boolean>;
  /**
   * Claims, for `byNode`, every other node whose heartbeat is stale at `at`
   * and that nobody swept yet (one conditional UPDATE: of two sweepers, each
   * node goes to one). Nodes that left cleanly are claimed too (their calls
   * ended with them, so there is usually nothing to close).
   */
  claimStale(byNode: string, at: Date, staleMs: number): Promise<SweepClaim[]>;
  /**
   * True while `claim` still holds: the node has not restarted and the claim
   * is `byNode`'s. Locks the node's row to the end of the caller's
   * transaction, so a restart's first heartbeat waits for the sweep.
   */
  holdClaim(claim: SweepClaim, byNode: string): Promise<boolean>;
  /** Ends the live conferences still on `nodeId` (nobody took them over), reason `reason`; at most `limit`. */
  endLiveOn(nodeId: string, at: Date, reason: string, limit: number): Promise<LostConference[]>;
}
