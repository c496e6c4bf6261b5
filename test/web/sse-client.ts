// A Server-Sent Events client for the tests: fetch with the session cookie,
// the body read as it comes and cut into frames (`event:` + JSON `data:`,
// and `: comment` lines), waited for one by one with a deadline.
export interface Frame { event: string; data: any; comment?: string } // eslint-disable-line @typescript-eslint/no-explicit-any

export interface SseConnection {
  status: number;
  contentType: string;
  /** Every frame so far (comments as { event: ':' , comment }). */
  frames: Frame[];
  /** The next frame not yet taken that passes `pred` (others before it are skipped); rejects after `ms`. */
  next(pred?: (f: Frame) => boolean, ms?: number): Promise<Frame>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

function parseBlock(block: string): Frame | null {
  let event = 'message';
  let data = '';
  const comments: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) comments.push(line.slice(1).trim());
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (data !== '') return { event, data: JSON.parse(data) };
  if (comments.length > 0) return { event: ':', data: null, comment: comments.join(' ') };
  return null;
}

/** `cookie` '' sends none (an API token in `headers` instead). */
export async function openSse(url: string, cookie: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { ...(cookie ? { cookie } : {}), accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const frames: Frame[] = [];
  let taken = 0;
  const waiters = new Set<() => void>();
  const wake = () => { for (const w of [...waiters]) w(); };
  let done = false;
  const ended = (async () => {
    if (!res.body) return;
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done: d } = await reader.read();
        if (d) break;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const f = parseBlock(buf.slice(0, i));
          buf = buf.slice(i + 2);
          if (f) frames.push(f);
        }
        wake();
      }
    } catch { /* aborted */ } finally {
      done = true;
      wake();
    }
  })();
  const next = (pred: (f: Frame) => boolean = () => true, ms = 3000): Promise<Frame> => new Promise((resolve, reject) => {
    const look = (): boolean => {
      while (taken < frames.length) {
        const f = frames[taken++]!;
        if (pred(f)) { resolve(f); return true; }
      }
      if (done) { reject(new Error('stream ended')); return true; }
      return false;
    };
    if (look()) return;
    const timer = setTimeout(() => { waiters.delete(waker); reject(new Error(`no frame within ${ms} ms (have ${frames.map((f) => f.event).join(',')})`)); }, ms);
    const waker = () => { if (look()) { clearTimeout(timer); waiters.delete(waker); } };
    waiters.add(waker);
  });
  return {
    status: res.status, contentType: res.headers.get('content-type') ?? '', frames, next, ended,
    close: () => { abort.abort(); },
  };
}
