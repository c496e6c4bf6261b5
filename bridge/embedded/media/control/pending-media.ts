// The plays and recordings in flight: each waits for the worker's event that
// ends it (playEnded, recordEnded). When a worker dies that event never
// comes, so whoever knows what ran there settles it here: the pool for the
// conferences' plays (bound to a shard's worker), each leg for its own play
// and recording (a leg can move between workers while one waits).
import type { Recording } from '../../../port.ts';
import type { MediaChannel } from './media-channel.ts';

export type RecordResult = Recording | { error: string };

interface PendingPlay {
  settle: (interrupted: boolean) => void;
  /** The worker it plays on, when that cannot change (a conference shard's). */
  on: MediaChannel | undefined;
}

export class PendingMedia {
  private readonly plays = new Map<string, PendingPlay>();
  private readonly records = new Map<string, { resolve: (r: RecordResult) => void; reject: (err: Error) => void }>();

  /** Resolves with whether the play was interrupted; `on`: the worker it is bound to, if any. */
  awaitPlay(playId: string, on?: MediaChannel): Promise<boolean> {
    return new Promise((resolve) => this.plays.set(playId, { settle: resolve, on }));
  }

  /** The play ended (the worker's event), or is given up: a cut-off play resolves as not interrupted, as at a hang-up. */
  settlePlay(playId: string, interrupted: boolean): void {
    const p = this.plays.get(playId);
    if (p) { this.plays.delete(playId); p.settle(interrupted); }
  }

  awaitRecord(recId: string): Promise<RecordResult> {
    const ended = new Promise<RecordResult>((resolve, reject) => this.records.set(recId, { resolve, reject }));
    // A worker can die before the leg awaits this (its request still in
    // flight): the rejection then waits for the leg, it is not unhandled.
    ended.catch(() => undefined);
    return ended;
  }

  settleRecord(recId: string, result: RecordResult): void {
    const r = this.records.get(recId);
    if (r) { this.records.delete(recId); r.resolve(result); }
  }

  failRecord(recId: string, err: Error): void {
    const r = this.records.get(recId);
    if (r) { this.records.delete(recId); r.reject(err); }
  }

  /** Settles the plays bound to a worker that died. */
  workerDied(channel: MediaChannel): void {
    for (const [playId, p] of this.plays) if (p.on === channel) this.settlePlay(playId, false);
  }
}
