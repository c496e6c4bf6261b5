// Network quality events of one conference, batched: at most one `quality`
// event a second (on the IVR's clock), holding only the participants whose
// figures differ from what was last sent. The first change goes out at once.
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { LiveQuality } from '../../core/live/messages.ts';
import { sameQuality } from '../room/quality.ts';

export type QualityItem = { participantId: string; quality: LiveQuality };

export class QualityBatch {
  private readonly pending = new Map<string, LiveQuality>();
  private readonly sent = new Map<string, LiveQuality>();
  private timer: TimerHandle | undefined;
  private lastFlush = -Infinity;
  private stopped = false;

  constructor(private readonly clock: Clock, private readonly intervalMs: number, private readonly flush: (items: QualityItem[]) => void) {}

  add(participantId: string, quality: LiveQuality): void {
    if (this.stopped) return;
    this.pending.set(participantId, quality);
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimer(wait, () => this.fire());
  }

  /** A participant left: nothing more of theirs goes out. */
  forget(participantId: string): void {
    this.pending.delete(participantId);
    this.sent.delete(participantId);
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private fire(): void {
    this.timer = undefined;
    this.lastFlush = this.clock.now();
    const items: QualityItem[] = [];
    for (const [participantId, quality] of this.pending) {
      if (sameQuality(this.sent.get(participantId), quality)) continue;
      this.sent.set(participantId, quality);
      items.push({ participantId, quality });
    }
    this.pending.clear();
    if (items.length > 0) this.flush(items);
  }
}
