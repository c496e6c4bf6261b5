// This node's heartbeat (issue 18): its cluster_nodes row upserted every
// `heartbeatMs` with its advertised SIP address and whether it drains, so
// the other nodes (and the sweeper) see it alive; on a clean stop the row
// says the node left. A database outage is logged and the next beat tries
// again: nothing here throws into the caller.
import { moduleLogger } from '../../common/log.ts';
import type { ClusterStore } from './store.ts';

const log = moduleLogger('core', { part: 'cluster-heartbeat' });

export const DEFAULT_HEARTBEAT_MS = 1_000;
export const DEFAULT_STALE_MS = 5_000;

export interface HeartbeatOptions {
  cluster: ClusterStore;
  nodeId: string;
  sipHost: string;
  sipPort: number;
  /** The drain state (app/drain.ts through the IVR), read at each beat. */
  draining: () => boolean;
  heartbeatMs?: number;
  now?: () => Date;
}

export class ClusterHeartbeat {
  /** When this run of the node started (a restart is a new value). */
  readonly startedAt: Date;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<boolean> | undefined;
  private stopped = false;
  private failing = false;
  private readonly now: () => Date;

  constructor(private readonly o: HeartbeatOptions) {
    this.now = o.now ?? (() => new Date());
    this.startedAt = this.now();
  }

  /** The first beat (awaited, so the node is in the table before it takes calls), then one every heartbeatMs. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.beat();
    this.schedule();
  }

  /** One beat; false when the database refused it (logged once per outage). */
  beat(): Promise<boolean> {
    const p = this.o.cluster.heartbeat({
      id: this.o.nodeId, sipHost: this.o.sipHost, sipPort: this.o.sipPort, startedAt: this.startedAt, draining: this.o.draining(),
    }, this.now()).then(() => {
      if (this.failing) log.info({ node: this.o.nodeId }, 'cluster heartbeat written again');
      this.failing = false;
      return true;
    }, (err: unknown) => {
      if (!this.failing) log.warn({ err, node: this.o.nodeId }, 'cluster heartbeat failed; trying again at the next beat');
      this.failing = true;
      return false;
    });
    this.beating = p;
    return p;
  }

  /** Stops beating and marks the node as left (a failure is logged, not thrown: the row then goes stale and is swept). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.beating;
    try {
      await this.o.cluster.leave(this.o.nodeId, this.now());
    } catch (err) {
      log.warn({ err, node: this.o.nodeId }, 'could not mark the node as left; the others will find it stale');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.beat().finally(() => this.schedule());
    }, this.o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.timer.unref?.();
  }
}
