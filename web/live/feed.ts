// One browser's event stream of the live console: what the bus delivers is
// queued and written every `flushMs` (100 ms) in one write, so a page sees a
// change well within a second and a burst costs one write, not hundreds.
//
// Bursts are coalesced per connection: for each participant only the latest
// `talking` and the latest `participant` (state) event wait in the queue, at
// the place the first one took, and every `quality` report waiting is merged
// into one (the latest figures per participant). What is left (joins, leaves,
// lock, recording …) is kept in order.
//
// A slow client costs bounded memory: while its socket is full nothing more
// is written (the queue keeps coalescing); when the queue passes `maxPending`
// entries or the socket holds more than `maxBufferedBytes`, the queue is
// dropped, a `resync` event tells the page to reload the state from a new
// snapshot (it reconnects), and the stream ends.
import type { EventStream, SseFrame, SseWriter } from '../http/event-stream.ts';
import type { LiveEvent, LiveQuality } from '../../core/live/messages.ts';

export interface FeedTuning {
  flushMs: number;
  maxPending: number;
  maxBufferedBytes: number;
}

export const DEFAULT_FEED_TUNING: FeedTuning = { flushMs: 100, maxPending: 5000, maxBufferedBytes: 1_000_000 };

type QualityItem = { participantId: string; quality: LiveQuality };
type Slot =
  | { kind: 'event'; event: LiveEvent }
  | { kind: 'quality'; event: Extract<LiveEvent, { type: 'quality' }>; items: Map<string, QualityItem> };

/** Which slot an event may replace: one per participant for talking and state, one per invite, one for all quality. */
function keyOf(e: LiveEvent): string | null {
  switch (e.type) {
    case 'talking': return `talking:${e.participantId}`;
    case 'participant': return `participant:${e.participant.id}`;
    case 'quality': return 'quality';
    case 'invite': return `invite:${e.invite.id}`;
    default: return null;
  }
}

function frameOf(slot: Slot): SseFrame {
  if (slot.kind === 'event') return { event: slot.event.type, data: slot.event };
  return { event: 'quality', data: { ...slot.event, items: [...slot.items.values()] } };
}

export interface FeedStats { received: number; written: number; coalesced: number; resyncs: number }

export class LiveFeed implements EventStream {
  readonly stats: FeedStats = { received: 0, written: 0, coalesced: 0, resyncs: 0 };
  private queue: Slot[] = [];
  private keyed = new Map<string, Slot>();
  private out: SseWriter | null = null;
  private timer: NodeJS.Timeout | null = null;
  private congested = false;
  private ending = false;
  private stopped = false;

  private first: SseFrame[] = [];
  private release: () => void = () => {};

  /** @param endsOn an event after which the stream ends (the conference's `ended`) */
  constructor(private readonly tuning: FeedTuning = DEFAULT_FEED_TUNING, private readonly endsOn: (e: LiveEvent) => boolean = () => false) {}

  /** What to write first when the stream opens (the snapshot), and what to undo on stop (the bus subscription). */
  opening(first: SseFrame[], release: () => void): this {
    this.first = [...first, ...this.first];
    this.release = release;
    if (this.stopped) release();
    return this;
  }

  /** An event from the bus (already filtered for this connection). */
  push(e: LiveEvent): void {
    if (this.stopped || this.ending) return;
    this.stats.received++;
    this.enqueue(e);
    if (this.endsOn(e)) { this.ending = true; this.schedule(0); return; }
    if (this.queue.length > this.tuning.maxPending) { this.resync('queue'); return; }
    this.schedule(this.tuning.flushMs);
  }

  /** Entries waiting (for tests and the bound). */
  get pending(): number { return this.queue.length; }

  start(out: SseWriter): void {
    if (this.stopped) return;
    this.out = out;
    const ok = out.write(this.first);
    if (this.ending && this.queue.length === 0) { out.end(); return; }
    if (!ok) this.waitForDrain();
    if (this.queue.length > 0) this.schedule(this.ending ? 0 : this.tuning.flushMs);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.keyed.clear();
    this.release();
  }

  private enqueue(e: LiveEvent): void {
    const key = keyOf(e);
    const slot = key === null ? undefined : this.keyed.get(key);
    if (slot) {
      this.stats.coalesced++;
      if (slot.kind === 'quality' && e.type === 'quality') {
        slot.event = e;
        for (const item of e.items) slot.items.set(item.participantId, item);
      } else if (slot.kind === 'event') {
        slot.event = e;
      }
      return;
    }
    const fresh: Slot = e.type === 'quality'
      ? { kind: 'quality', event: e, items: new Map(e.items.map((i) => [i.participantId, i])) }
      : { kind: 'event', event: e };
    this.queue.push(fresh);
    if (key !== null) this.keyed.set(key, fresh);
  }

  private schedule(ms: number): void {
    if (this.stopped || !this.out || this.congested) return;
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = null; this.flush(); }, ms);
  }

  private flush(): void {
    const out = this.out;
    if (this.stopped || !out || this.congested || this.queue.length === 0) return;
    if (out.buffered > this.tuning.maxBufferedBytes) { this.resync('buffer'); return; }
    const frames = this.queue.map(frameOf);
    this.queue = [];
    this.keyed.clear();
    this.stats.written += frames.length;
    const ok = out.write(frames);
    if (this.ending) { out.end(); return; }
    if (!ok) this.waitForDrain();
  }

  private waitForDrain(): void {
    this.congested = true;
    this.out?.onDrain(() => {
      this.congested = false;
      if (this.queue.length > 0) this.schedule(this.ending ? 0 : this.tuning.flushMs);
    });
  }

  /** Too far behind: drop what waits, tell the page to start again from a snapshot, end. */
  private resync(reason: 'queue' | 'buffer'): void {
    const out = this.out;
    this.stats.resyncs++;
    this.queue = [];
    this.keyed.clear();
    this.ending = true;
    if (!out) { this.first.push({ event: 'resync', data: { reason } }); return; }
    out.write([{ event: 'resync', data: { reason } }]);
    out.end();
  }
}
