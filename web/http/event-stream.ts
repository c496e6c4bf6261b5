// Server-Sent Events for the ApiRouter's stream routes. A stream route's
// handler does its checks first (so a missing conference is still a JSON
// 404) and returns an EventStream; the router then turns the response into
// text/event-stream, hands the stream a writer, sends a `: ping` comment
// every 15 s so proxies keep the connection, and stops the stream exactly
// once: when the client goes away, when the stream ends itself, or when the
// server closes.
import type { Request, Response } from 'express';

/** One SSE message: `event: <event>` and the data as JSON on one line. */
export interface SseFrame { event: string; data: unknown }

/** How often an idle stream says it is alive. */
export const PING_MS = 15_000;
/** What the browser waits before it reconnects after a dropped stream. */
const RETRY_MS = 2000;

/** Frames as text/event-stream. JSON.stringify never emits a raw newline, so one `data:` line per frame is safe. */
export function encodeFrames(frames: readonly SseFrame[]): string {
  let out = '';
  for (const f of frames) out += `event: ${f.event}\ndata: ${JSON.stringify(f.data)}\n\n`;
  return out;
}

/** The response as a stream routes write to. */
export class SseWriter {
  constructor(private readonly res: Response, private readonly finish: () => void) {}

  /** Writes the frames in one write; false when the socket's buffer is full (wait for onDrain before the next). */
  write(frames: readonly SseFrame[]): boolean {
    if (this.closed || frames.length === 0) return !this.closed;
    return this.res.write(encodeFrames(frames));
  }

  /** A comment line (ignored by the browser; keeps the connection alive). */
  comment(text: string): boolean {
    if (this.closed) return false;
    return this.res.write(`: ${text}\n\n`);
  }

  /** Bytes written but not yet taken by the client's socket: what a slow client costs us. */
  get buffered(): number { return this.res.writableLength; }

  get closed(): boolean { return this.res.writableEnded || this.res.destroyed; }

  onDrain(cb: () => void): void { this.res.once('drain', cb); }

  /** Ends the response (and so the stream: `stop` follows). */
  end(): void { this.finish(); }
}

export interface EventStream {
  /** The response is an open event stream now: write to `out` until `stop`. */
  start(out: SseWriter): void;
  /** Release everything (subscriptions, timers). Called once, also when `start` never came. */
  stop(): void;
}

/** Open streams, so a closing server can end them instead of waiting for the clients. */
export class OpenStreams {
  private readonly open = new Set<() => void>();
  add(stop: () => void): void { this.open.add(stop); }
  delete(stop: () => void): void { this.open.delete(stop); }
  get size(): number { return this.open.size; }
  closeAll(): void { for (const stop of [...this.open]) stop(); }
}

/**
 * Turns the response into an event stream and runs `stream` on it until one
 * side ends it. `recheck` (the session still valid?) runs with each ping; a
 * false or a failure ends the stream.
 */
export function runEventStream(req: Request, res: Response, stream: EventStream, registry: OpenStreams,
  opts: { pingMs?: number; recheck?: () => Promise<boolean> } = {}): void {
  if (req.destroyed || res.destroyed || res.writableEnded) { stream.stop(); return; }
  let stopped = false;
  let ping: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(ping);
    registry.delete(stop);
    res.off('close', stop);
    try { stream.stop(); } finally { if (!res.writableEnded) res.end(); }
  };
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write(`retry: ${RETRY_MS}\n\n`);
  res.on('close', stop);
  registry.add(stop);
  const out = new SseWriter(res, stop);
  const recheck = opts.recheck;
  ping = setInterval(() => {
    out.comment('ping');
    if (recheck) recheck().then((ok) => { if (!ok) stop(); }, () => { stop(); });
  }, opts.pingMs ?? PING_MS);
  ping.unref();
  stream.start(out);
}
