// The CDR journal: an append-only JSON-lines file that holds leg events until
// the database has them. Compaction rewrites it atomically (temp file, fsync,
// rename, fsync of the directory).
//
// Group commit: an append is written to the file before it returns (a crash
// of the process loses nothing: the kernel has it), and an fdatasync is
// started at once in the background (libuv's pool) for everything written so
// far; appends that come while one runs share the next. A crash of the whole
// machine can lose only the last few milliseconds of events. One fdatasync per
// append, on the main thread, cost a burst of 600 callers 3.1 s of stalls
// (about 5 ms per call; BENCHMARKS.md, the top of the hour).
import { close, closeSync, existsSync, fdatasync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { legFromJson, legToJson, type LegPatch, type LegRecord } from './leg.ts';

export type JournalEvent =
  | { t: 'snapshot'; leg: LegRecord }
  | { t: 'update'; id: string; patch: LegPatch }
  | { t: 'answer'; id: string; at: Date }
  | { t: 'checkpoint'; id: string; at: Date }
  | { t: 'close'; id: string; at: Date; q850: number; recovered: boolean };

function encode(e: JournalEvent): string {
  switch (e.t) {
    case 'snapshot': return JSON.stringify({ t: e.t, leg: legToJson(e.leg) });
    case 'update': return JSON.stringify(e);
    case 'answer': case 'checkpoint': return JSON.stringify({ t: e.t, id: e.id, at: e.at.toISOString() });
    case 'close': return JSON.stringify({ t: e.t, id: e.id, at: e.at.toISOString(), q850: e.q850, recovered: e.recovered });
  }
}

function decode(line: string): JournalEvent {
  const j = JSON.parse(line) as Record<string, unknown>;
  const id = j.id;
  const at = typeof j.at === 'string' ? new Date(j.at) : undefined;
  switch (j.t) {
    case 'snapshot': return { t: 'snapshot', leg: legFromJson(j.leg as Record<string, unknown>) };
    case 'update': if (typeof id === 'string') return { t: 'update', id, patch: j.patch as LegPatch }; break;
    case 'answer': case 'checkpoint': if (typeof id === 'string' && at) return { t: j.t, id, at }; break;
    case 'close':
      if (typeof id === 'string' && at && typeof j.q850 === 'number') return { t: 'close', id, at, q850: j.q850, recovered: j.recovered === true };
      break;
  }
  throw new TypeError('not a journal event');
}

export interface LoadedJournal {
  events: JournalEvent[];
  /** Lines that could not be read: a torn last write after a crash, or damage. */
  badLines: number;
}

export function readJournal(path: string): LoadedJournal {
  if (!existsSync(path)) return { events: [], badLines: 0 };
  const out: LoadedJournal = { events: [], badLines: 0 };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try { out.events.push(decode(line)); } catch { out.badLines++; }
  }
  return out;
}

export class CdrJournal {
  private fd: number;
  private lines = 0;
  /** An fdatasync is running on `fd`. */
  private syncing = false;
  /** Writes since the running fdatasync began: one more is due when it ends. */
  private syncDue = false;
  /** A file descriptor to close once its fdatasync ends (rewrite or close during one). */
  private retired: number[] = [];
  private syncWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  get lineCount(): number { return this.lines; }

  /** In the file when it returns; on disk with the next fdatasync (already started). */
  append(e: JournalEvent): void {
    this.appendMany([e]);
  }

  /** Several events in one write (a checkpoint of every open leg); in the file when it returns. */
  appendMany(events: readonly JournalEvent[]): void {
    if (events.length === 0) return;
    const buf = Buffer.from(events.map((e) => encode(e) + '\n').join(''), 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.lines += events.length;
    this.sync();
  }

  /** Resolves once everything appended so far is on disk. */
  synced(): Promise<void> {
    if (!this.syncing && !this.syncDue) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  private sync(): void {
    if (this.syncing) { this.syncDue = true; return; }
    this.syncing = true;
    this.syncDue = false;
    const fd = this.fd;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    fdatasync(fd, (err) => {
      this.syncing = false;
      // A failed fdatasync leaves the events in the file (and in memory for the database writer); the next append retries.
      if (err && !this.closed) this.syncDue = true;
      for (const f of this.retired.splice(0)) close(f, () => undefined);
      if (this.syncDue && !this.closed) { this.syncWaiters.unshift(...waiters); this.sync(); return; }
      for (const w of waiters) w();
    });
  }

  /** Closes `fd` now, or after the fdatasync running on it. */
  private retire(fd: number): void {
    if (this.syncing) this.retired.push(fd);
    else closeSync(fd);
  }

  /** Replace the whole journal with these events, atomically. */
  rewrite(events: readonly JournalEvent[]): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      const buf = Buffer.from(events.map((e) => encode(e) + '\n').join(''), 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dirFd = openSync(dirname(this.path), 'r');
    try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
    this.retire(this.fd);
    this.fd = openSync(this.path, 'a');
    this.lines = events.length;
    this.syncDue = false; // the new file is on disk already
  }

  /** Everything on disk, then closed (synchronously: stop and tests rely on it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fdatasyncSync(this.fd);
    this.retire(this.fd);
    const waiters = this.syncWaiters.splice(0);
    for (const w of waiters) w();
  }
}
