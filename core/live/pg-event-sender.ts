// The bridge node's live events out to PostgreSQL: `pg_notify('live_events', …)`
// one payload at a time, in order, on the host's one listening connection.
// The IVR hands an event over and returns at once (send() only serialises it
// and queues it); the queue drains in the background. While the database is
// unreachable events are dropped and counted, never held back: a console
// that reconnects re-reads the snapshot, which is the truth. Commands do not
// travel here and keep working once the database is back.
import type { Logger } from '../../common/log.ts';
import type { LiveEvent } from './messages.ts';
import { EVENTS_CHANNEL, eventPayloads } from './pg-protocol.ts';
import type { PgListener } from './pg-listener.ts';

/** Payloads waiting at most; past it new events are dropped (the database is far behind). */
const MAX_QUEUE = 20_000;

export class PgEventSender {
  private queue: string[] = [];
  private head = 0;
  /** Set and cleared synchronously with the drain loop, so an event queued as it ends starts a new one. */
  private draining = false;
  private drained: Promise<void> = Promise.resolve();
  /** Dropped since the last report (database down, queue full). */
  private dropped = 0;

  constructor(private readonly wire: PgListener, private readonly log: Logger) {
    wire.on('down', () => this.dropQueue());
    wire.on('up', () => this.report());
  }

  /** Queues the event's payloads; never blocks, never throws. */
  send(event: LiveEvent): void {
    if (!this.wire.connected) { this.dropped++; return; }
    let out: { payloads: string[]; dropped: number };
    try {
      out = eventPayloads(event);
    } catch (err) {
      this.log.error({ err, type: event.type }, 'live event cannot be serialised; dropped');
      return;
    }
    if (out.dropped > 0) {
      this.log.error({ type: event.type, conferenceId: event.conferenceId, dropped: out.dropped }, 'live event over the NOTIFY limit; dropped');
    }
    if (this.queue.length - this.head + out.payloads.length > MAX_QUEUE) {
      if (this.dropped++ === 0) this.log.warn({ queued: this.queue.length - this.head }, 'live event queue full; dropping events');
      return;
    }
    for (const p of out.payloads) this.queue.push(p);
    if (!this.draining) {
      this.draining = true;
      this.drained = this.drain();
    }
  }

  /** Resolves when everything queued has been sent or dropped. */
  async idle(): Promise<void> {
    while (this.draining) await this.drained;
  }

  /** The loop and the flag's reset in one function: no tick between the last send and `draining = false`. */
  private async drain(): Promise<void> {
    try {
      while (this.head < this.queue.length) {
        const payload = this.queue[this.head++]!;
        if (this.head > 1024 && this.head * 2 > this.queue.length) { this.queue = this.queue.slice(this.head); this.head = 0; }
        try {
          await this.wire.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, payload]);
        } catch (err) {
          this.dropped++;
          this.log.warn({ err }, 'live event not sent; dropping the queue until the database answers');
          this.dropQueue();
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private dropQueue(): void {
    this.dropped += this.queue.length - this.head;
    this.queue = [];
    this.head = 0;
  }

  private report(): void {
    if (this.dropped === 0) return;
    this.log.warn({ dropped: this.dropped }, 'live events dropped while the database was unreachable or behind');
    this.dropped = 0;
  }
}
