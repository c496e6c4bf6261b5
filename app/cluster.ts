// This node in the cluster (issue 18): its heartbeat (with the drain state)
// and the sweep of dead nodes, started before the engine takes calls and
// stopped after the CDRs are flushed, with the row marked as left. The PIN
// lockout is shared through createIvr's pinFailures (app/telephony.ts).
// Alone (PGlite, one node) the same runs: there is simply nobody else.
import type { Config } from '../common/config.ts';
import { ClusterHeartbeat } from '../core/cluster/heartbeat.ts';
import { ClusterSweeper } from '../core/cluster/sweeper.ts';
import type { Repositories } from '../core/repositories.ts';

export interface ClusterMember {
  readonly heartbeat: ClusterHeartbeat;
  readonly sweeper: ClusterSweeper;
  /** Stops sweeping and beating; the row says the node left. Never throws (a failure is logged). */
  stop(): Promise<void>;
}

/** Writes the first heartbeat (a database outage is logged, not thrown) and starts both loops. */
export async function joinCluster(config: Config, repos: Repositories, draining: () => boolean): Promise<ClusterMember> {
  const { nodeId } = config.data;
  const heartbeat = new ClusterHeartbeat({
    cluster: repos.cluster, nodeId, sipHost: config.sip.advertisedHost ?? config.sip.host, sipPort: config.sip.port,
    draining, heartbeatMs: config.cluster.heartbeatMs,
  });
  const sweeper = new ClusterSweeper({ repos, nodeId, staleMs: config.cluster.staleMs });
  await heartbeat.start();
  sweeper.start();
  return {
    heartbeat, sweeper,
    async stop() {
      await sweeper.stop();
      await heartbeat.stop();
    },
  };
}
