// Stand-ins for the live pages of the bench: each is its own owner session
// reading the conference's Server-Sent Events stream over plain HTTP — what a
// page's EventSource receives (the `snapshot`, then one `event: <type>` per
// LiveEvent). Each event's latency is its arrival here minus its `at`, the
// time the bridge emitted it (the same machine's clock).
import { ConsoleClient } from './console-client.ts';

export interface EventArrival {
  type: string;
  /** Arrival − `at`, ms. */
  latencyMs: number;
  /** Arrival, performance.now() of this process. */
  arrival: number;
}

/** Most arrivals kept per watcher (a bound; the bench's run stays far below it). */
const MAX_ARRIVALS = 500_000;

export class PageWatcher {
  readonly arrivals: EventArrival[] = [];
  snapshotParticipants = -1;
  /** `resync`s the server sent (the page fell behind; its stream ends). */
  readonly resyncs: string[] = [];
  /** Lines that were not a well-formed event (counted, not thrown: a page would log and go on). */
  malformed = 0;
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;
  ended: string | undefined;

  private constructor(readonly index: number) {}

  /** Logs in (its own session) and opens the stream; resolves once the snapshot has come. */
  static async open(index: number, webUrl: string, conferenceId: string, timeoutMs: number): Promise<PageWatcher> {
    const session = await ConsoleClient.login(webUrl);
    const w = new PageWatcher(index);
    const res = await fetch(`${webUrl}/api/live/${encodeURIComponent(conferenceId)}/events`, {
      headers: { cookie: session.cookieHeader, accept: 'text/event-stream' }, signal: w.abort.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`page ${index}: GET …/events answered ${res.status}`);
    const gotSnapshot = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`page ${index}: no snapshot within ${timeoutMs} ms`)), timeoutMs);
      w.done = w.read(res.body!, () => { clearTimeout(t); resolve(); });
    });
    await gotSnapshot;
    return w;
  }

  private async read(body: ReadableStream<Uint8Array>, onSnapshot: () => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        const arrival = performance.now();
        const wall = performance.timeOrigin + arrival;
        buffer += decoder.decode(chunk, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          this.onMessage(buffer.slice(0, cut), arrival, wall, onSnapshot);
          buffer = buffer.slice(cut + 2);
        }
      }
      this.ended = 'the server closed the stream';
    } catch (err) {
      if (!this.abort.signal.aborted) this.ended = String(err);
    }
  }

  private onMessage(block: string, arrival: number, wall: number, onSnapshot: () => void): void {
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trimStart();
    }
    if (data === '') return; // a comment (keep-alive) or an empty block
    let parsed: { at?: string; snapshot?: { participants?: unknown[] }; reason?: string };
    try { parsed = JSON.parse(data) as typeof parsed; } catch { this.malformed++; return; }
    if (type === 'snapshot') {
      this.snapshotParticipants = parsed.snapshot?.participants?.length ?? -1;
      onSnapshot();
      return;
    }
    if (type === 'resync') { this.resyncs.push(parsed.reason ?? '?'); return; } // too slow: a page would reconnect
    const at = typeof parsed.at === 'string' ? Date.parse(parsed.at) : NaN;
    if (Number.isNaN(at)) { this.malformed++; return; }
    if (this.arrivals.length < MAX_ARRIVALS) this.arrivals.push({ type, latencyMs: wall - at, arrival });
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
