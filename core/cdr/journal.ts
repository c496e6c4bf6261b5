// The CDR journal: an append-only JSON-lines file, fsync'd on every append,
// that holds leg events until the database has them. Compaction rewrites it
// atomically (temp file, fsync, rename, fsync of the directory).
import { closeSync, existsSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
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

  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  get lineCount(): number { return this.lines; }

  /** Durable when it returns. */
  append(e: JournalEvent): void {
    this.appendMany([e]);
  }

  /** Several events in one write and one fdatasync (a checkpoint of every open leg); durable when it returns. */
  appendMany(events: readonly JournalEvent[]): void {
    if (events.length === 0) return;
    const buf = Buffer.from(events.map((e) => encode(e) + '\n').join(''), 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    fdatasyncSync(this.fd);
    this.lines += events.length;
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
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.lines = events.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
