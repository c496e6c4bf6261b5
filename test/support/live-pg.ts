// What the live-over-PostgreSQL tests share: a fresh migrated database on the
// test cluster, two accounts, conferences started through the registry's own
// call (repos.conferences.startOrGet with a node id), a FakeLiveHost served by
// servePgLive and a PgLiveBus on their own connections (two "processes"),
// and small waiting helpers (no sleeps as synchronisation).
import pg from 'pg';
import type { Knex } from 'knex';
import { openDatabase } from '../../core/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import type { LiveEvent, LiveSnapshot } from '../../core/live/messages.ts';
import { FakeLiveHost, fakeParticipant, fakeSnapshot } from './fake-live-host.ts';
import { testPostgres } from './db.ts';

export const NODE = 'node-1';
const NOW = new Date();
let counter = 0;

export interface LivePgWorld {
  url: string;
  db: Knex;
  repos: Repositories;
  accountA: string;
  accountB: string;
  host: FakeLiveHost;
  /** A raw connection for what a test does by hand (rows without NOTIFY, bad payloads). */
  raw: pg.Client;
  /** A conference row on `nodeId` (a new room each), and its snapshot on the fake host when the node is NODE. */
  conference(accountId: string, opts?: { nodeId?: string; participants?: number }): Promise<LiveSnapshot>;
  close(): Promise<void>;
}

export async function livePgWorld(): Promise<LivePgWorld> {
  const cluster = await testPostgres();
  const url = await cluster.createDatabase(`live${process.pid}_${++counter}`);
  const db = await openDatabase({ databaseUrl: url, acquireTimeoutMs: 5_000 });
  const repos = createRepositories(db);
  const accountA = (await repos.accounts.create({ name: 'A', tier: 'formal' })).id;
  const accountB = (await repos.accounts.create({ name: 'B', tier: 'formal' })).id;
  const host = new FakeLiveHost(NODE);
  const raw = new pg.Client({ connectionString: url });
  raw.on('error', () => { /* the restart test takes the server away; it reconnects by hand */ });
  await raw.connect();
  let rooms = 0;
  return {
    url, db, repos, accountA, accountB, host, raw,
    conference: async (accountId, opts = {}) => {
      const nodeId = opts.nodeId ?? NODE;
      const room = await repos.rooms.create(accountId, { name: `room ${++rooms}` }, { now: NOW });
      const { conference } = await repos.conferences.startOrGet(accountId, { roomId: room.id, at: NOW, nodeId });
      const participants = Array.from({ length: opts.participants ?? 3 }, (_, i) => fakeParticipant(String(i + 1), { joinOrder: i + 1, name: `Participant ${i + 1}` }));
      const snap = fakeSnapshot(conference.id, accountId, { nodeId, roomId: room.id, roomNumber: room.number, participants });
      if (nodeId === NODE) host.add(snap);
      return structuredClone(snap);
    },
    close: async () => {
      await raw.end().catch(() => undefined);
      await db.destroy();
    },
  };
}

/** Polls `cond` every 20 ms until true; throws after `timeoutMs`. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Collects events handed to a subscriber; `until` waits for one matching `pred`. */
export class EventLog {
  readonly events: LiveEvent[] = [];
  readonly push = (e: LiveEvent): void => { this.events.push(e); };
  until(pred: (e: LiveEvent) => boolean, timeoutMs = 3_000, what = 'an event'): Promise<void> {
    return waitUntil(() => this.events.some(pred), timeoutMs, what);
  }
}

/** A 'warning' event: small, and carries a number to tell events apart. */
export function marker(accountId: string, conferenceId: string, n: number): LiveEvent {
  return { type: 'warning', conferenceId, accountId, at: new Date().toISOString(), minutesLeft: n };
}
