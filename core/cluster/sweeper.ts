// The sweep of dead nodes (issue 18). Every node runs it (every ~2 s): a node
// whose heartbeat is stale and that nobody swept yet is claimed by ONE
// survivor (ClusterStore.claimStale, a conditional UPDATE), which then
//   - closes the dead node's open CDR legs the way the node's own recovery
//     would (core/cdr/leg.ts closedByRecovery: at the last checkpoint, Q.850
//     41, closed_by_recovery) and writes them through the CDR store, which
//     rates and charges a closed leg once (closed rows are final, charged_at
//     guards the charge), so the dead node restarting and closing the same
//     legs from its journal changes nothing;
//   - ends the dead node's live conferences nobody took over ('node-lost').
// The claim is held (row lock) while legs are closed, and dropped when the
// node restarted meanwhile (a new started_at): its own recovery does it then.
import { moduleLogger } from '../../common/log.ts';
import { counter } from '../../common/metrics.ts';
import { closedByRecovery } from '../cdr/leg.ts';
import type { Repositories } from '../repositories.ts';
import type { SweepClaim } from './store.ts';

const log = moduleLogger('core', { part: 'cluster-sweeper' });

const legsSwept = counter({ name: 'bridge_cluster_swept_legs_total', help: 'CDR legs of dead nodes closed by this node\'s sweep' });
const conferencesLost = counter({ name: 'bridge_cluster_lost_conferences_total', help: 'Live conferences of dead nodes ended by this node\'s sweep' });

/** Reason written on a conference ended because its node was lost. */
export const NODE_LOST = 'node-lost';
/** Legs closed per transaction. */
const LEG_BATCH = 200;
const CONFERENCE_BATCH = 500;

export interface SweeperOptions {
  repos: Repositories;
  nodeId: string;
  staleMs: number;
  /** How often (default 2000 ms). */
  everyMs?: number;
  now?: () => Date;
}

export interface SweepReport {
  /** Nodes this sweeper claimed. */
  nodes: string[];
  /** Legs it closed. */
  legs: string[];
  /** Conferences it ended. */
  conferences: string[];
}

export class ClusterSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private readonly now: () => Date;

  constructor(private readonly o: SweeperOptions) {
    this.now = o.now ?? (() => new Date());
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass: claims stale nodes and cleans each up. A failure is logged and the claim's leftovers wait for the dead node's restart. */
  async sweepOnce(): Promise<SweepReport> {
    const report: SweepReport = { nodes: [], legs: [], conferences: [] };
    const at = this.now();
    const claims = await this.o.repos.cluster.claimStale(this.o.nodeId, at, this.o.staleMs);
    for (const claim of claims) {
      report.nodes.push(claim.nodeId);
      try {
        await this.sweepNode(claim, at, report);
      } catch (err) {
        log.error({ err, node: claim.nodeId }, 'sweep of a dead node failed; its restart closes what is left');
      }
    }
    return report;
  }

  private async sweepNode(claim: SweepClaim, at: Date, report: SweepReport): Promise<void> {
    const { repos, nodeId } = this.o;
    const before = report.legs.length;
    // Bounded: a node carries about a thousand calls; 1000 batches is far beyond.
    for (let batch = 0; batch < 1000; batch++) {
      const done = await repos.transaction(async (tx) => {
        if (!await tx.cluster.holdClaim(claim, nodeId)) return { restarted: true, n: 0 };
        const open = (await tx.cdrs.listOpen(claim.nodeId))
          // A leg opened after the claim belongs to a new run of the node (it holds the row lock against that only once beating).
          .filter((l) => l.startedAt.getTime() <= claim.heartbeatAt.getTime() + this.o.staleMs)
          .slice(0, LEG_BATCH);
        for (const leg of open) {
          await tx.cdrs.write(closedByRecovery(leg));
          report.legs.push(leg.id);
        }
        return { restarted: false, n: open.length };
      });
      if (done.restarted) {
        log.info({ node: claim.nodeId }, 'dead node restarted during its sweep; its own recovery closes its legs');
        return;
      }
      if (done.n < LEG_BATCH) break;
    }
    const legs = report.legs.length - before;
    legsSwept.inc(legs);
    let ended = 0;
    for (let batch = 0; batch < 100; batch++) {
      const lost = await repos.cluster.endLiveOn(claim.nodeId, at, NODE_LOST, CONFERENCE_BATCH);
      for (const c of lost) report.conferences.push(c.conferenceId);
      ended += lost.length;
      if (lost.length < CONFERENCE_BATCH) break;
    }
    conferencesLost.inc(ended);
    if (claim.left && legs === 0 && ended === 0) log.info({ node: claim.nodeId, leftAt: claim.heartbeatAt }, 'node that left swept: nothing was left open');
    else log.warn({ node: claim.nodeId, lastHeartbeat: claim.heartbeatAt, left: claim.left, legs, conferences: ended }, 'dead node swept');
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const pass = this.sweepOnce().catch((err: unknown) => { log.warn({ err }, 'cluster sweep failed; trying again'); });
      this.running = pass;
      void pass.finally(() => this.schedule());
    }, this.o.everyMs ?? 2_000);
    this.timer.unref?.();
  }
}
