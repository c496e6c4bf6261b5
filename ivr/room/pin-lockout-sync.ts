// The PIN lockout shared by the bridge nodes (issue 18): this node's wrong
// PINs are written to pin_failures (batched, every `pollMs`), and the other
// nodes' new rows are read by id every `pollMs` into this node's tallies
// (PinLockout.countRemote), so a caller blocked on one node is blocked on
// the others within about a second, and a room's alert counts failures on
// every node. Bounded: at most `batch` rows written or read per turn (the
// rest waits for the next), at most `maxQueued` waiting to be written (the
// oldest dropped beyond it), rows older than the lockout window deleted.
// A database outage is logged; failures queue up to the bound meanwhile.
import type { Logger } from '../../common/log.ts';
import type { PinFailureRow, PinFailureStore } from '../../core/cluster/pin-failures.ts';
import type { PinFailureShare, PinLockout, SharedPinFailure } from './pin-lockout.ts';

export interface PinLockoutSyncOptions {
  store: PinFailureStore;
  lockout: PinLockout;
  nodeId: string;
  /** How long a failure counts (the lockout's windowMs): older rows are neither read nor kept. */
  windowMs: number;
  log: Logger;
  /** Default 500 ms. */
  pollMs?: number;
  /** Rows per write and per read (default 500). */
  batch?: number;
  maxQueued?: number;
  now?: () => number;
}

/** Turns between two deletions of old rows. */
const PRUNE_EVERY = 20;

export class PinLockoutSync implements PinFailureShare {
  private readonly queue: PinFailureRow[] = [];
  private lastId = 0;
  private timer: NodeJS.Timeout | undefined;
  private turn: Promise<void> | undefined;
  private turns = 0;
  private stopped = true;
  private failing = false;
  private readonly now: () => number;
  private readonly batch: number;

  constructor(private readonly o: PinLockoutSyncOptions) {
    this.now = o.now ?? Date.now;
    this.batch = o.batch ?? 500;
  }

  /** Shares the lockout's failures from now on and starts the turns (the first one at once: the other nodes' recent failures). */
  start(): void {
    this.o.lockout.shareWith(this);
    this.stopped = false;
    this.schedule(0);
  }

  share(f: SharedPinFailure): void {
    this.queue.push({ nodeId: this.o.nodeId, roomId: f.roomId, callerNumber: f.caller.number, callerAddress: f.caller.address, at: new Date(f.at) });
    const max = this.o.maxQueued ?? 10_000;
    if (this.queue.length > max) this.queue.splice(0, this.queue.length - max);
  }

  /** One turn: writes what is queued, reads the others' new rows, now and then deletes old ones. */
  async syncOnce(): Promise<void> {
    const { store, nodeId, windowMs } = this.o;
    const out = this.queue.slice(0, this.batch);
    if (out.length > 0) {
      await store.add(out);
      this.queue.splice(0, out.length);
    }
    const since = new Date(this.now() - windowMs);
    const rows = await store.after(this.lastId, { notNode: nodeId, since, limit: this.batch });
    for (const r of rows) {
      this.o.lockout.countRemote({ roomId: r.roomId, caller: { number: r.callerNumber, address: r.callerAddress }, at: r.at.getTime() });
      this.lastId = Math.max(this.lastId, r.id);
    }
    if (++this.turns % PRUNE_EVERY === 1) await store.deleteBefore(since, this.batch * 4);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.turn;
    // What is still queued goes out once more (best effort: the node is stopping).
    if (this.queue.length > 0) await this.o.store.add(this.queue.splice(0, this.batch)).catch((err: unknown) => this.o.log.warn({ err }, 'PIN failures not shared at stop'));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const t = this.syncOnce().then(() => {
        if (this.failing) this.o.log.info('PIN failures shared again');
        this.failing = false;
      }, (err: unknown) => {
        if (!this.failing) this.o.log.warn({ err, queued: this.queue.length }, 'sharing PIN failures failed; trying again');
        this.failing = true;
      });
      this.turn = t;
      void t.finally(() => this.schedule(this.o.pollMs ?? 500));
    }, delayMs);
    this.timer.unref?.();
  }
}
