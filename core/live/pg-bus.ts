// The live bus across processes on one PostgreSQL (the web, and later the
// dialer, webhooks, the scheduler, in a process without the IVR). The
// database says which node hosts a conference (conferences.node_id, written
// by the IVR's room registry); a snapshot or command becomes a row of
// live_commands for that node plus a NOTIFY live_cmd, and the answer comes
// back as the row's result, announced by NOTIFY live_done (and found by a
// poll of the row if that notification is lost). Events arrive on
// live_events, are validated, and are handed to the subscribers whose filter
// they match. Protocol: core/live/README.md "PostgreSQL"; the other side:
// pg-host.ts.
//
// One dedicated connection LISTENs (live_done, live_events) and reconnects
// with bounded backoff when it drops. While it is down, events are lost —
// PostgreSQL keeps no notifications for an absent session — and commands
// still complete through the poll. The bus emits `disconnected` and, once
// listening again, `connected`: a console re-reads the snapshot then (the
// web's event stream ends and the browser reconnects and re-reads).
import pg from 'pg';
import type { ZodType } from 'zod';
import { InvalidStateError } from '../../common/errors.ts';
import { TypedEmitter } from '../../common/events.ts';
import { moduleLogger, type Logger } from '../../common/log.ts';
import { NotFoundError } from '../errors.ts';
import { LiveUnavailableError, matches, type LiveBus, type LiveListener, type LiveSubscription, type Unsubscribe } from './live.ts';
import { liveEventSchema, liveSnapshotSchema, type LiveActor, type LiveCommand, type LiveCommandResult, type LiveSnapshot } from './messages.ts';
import { PgListener } from './pg-listener.ts';
import {
  CMD_CHANNEL, DONE_CHANNEL, EVENTS_CHANNEL, isUuid, liveCommandResultSchema, liveResultSchema, resultError, unavailableResult,
  type LiveRequest, type LiveResult,
} from './pg-protocol.ts';

export interface PgLiveBusOptions {
  databaseUrl: string;
  log?: Logger;
  /** How long a snapshot or command waits for the hosting node; default 5000 ms. */
  timeoutMs?: number;
  /** How often a waiting request re-reads its row besides NOTIFY; default 250 ms. */
  pollMs?: number;
}

export type PgLiveBusEvents = {
  /** Listening (at start and after each reconnect): events flow; re-read snapshots. */
  connected: [];
  /** The listening connection dropped: events are being lost until `connected`. */
  disconnected: [];
};

/** The request row for the conference's node, and its NOTIFY, in one statement; no row when the conference is not the account's or has ended. */
const INSERT = `WITH c AS (SELECT id, account_id, node_id FROM conferences WHERE id = $1 AND account_id = $2 AND ended_at IS NULL),
  ins AS (INSERT INTO live_commands (node_id, account_id, conference_id, request) SELECT node_id, account_id, id, $3::jsonb FROM c RETURNING id, node_id)
  SELECT id, node_id, pg_notify('${CMD_CHANNEL}', json_build_object('nodeId', node_id, 'id', id::text)::text) FROM ins`;
const READ = 'SELECT status, result FROM live_commands WHERE id = $1';
const GIVE_UP = `UPDATE live_commands SET status = 'failed', result = $2::jsonb, done_at = now()
  WHERE id = $1 AND status = 'pending' AND done_at IS NULL RETURNING id`;
/** live_done ids seen before their request was waiting for them (the answer outran the INSERT's reply). */
const RECENT_DONE = 1024;

interface Waiter { woken: boolean; wake?: () => void }
interface Subscriber { filter: LiveSubscription; listener: LiveListener }

export class PgLiveBus extends TypedEmitter<PgLiveBusEvents> implements LiveBus {
  private readonly log: Logger;
  private readonly pool: pg.Pool;
  private readonly wire: PgListener;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly subscribers = new Set<Subscriber>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly recentDone = new Set<string>();
  private closed: Promise<void> | undefined;

  constructor(opts: PgLiveBusOptions) {
    super();
    this.log = opts.log ?? moduleLogger('core', { part: 'live-pg-bus' });
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.pollMs = opts.pollMs ?? 250;
    this.pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 8, idleTimeoutMillis: 30_000, connectionTimeoutMillis: this.timeoutMs, application_name: 'live-bus' });
    this.pool.on('error', (err) => this.log.warn({ err }, 'idle live database connection failed'));
    this.wire = new PgListener({ databaseUrl: opts.databaseUrl, channels: [DONE_CHANNEL, EVENTS_CHANNEL], log: this.log, name: 'live-bus' });
    this.wire.on('notification', (channel, payload) => (channel === DONE_CHANNEL ? this.onDone(payload) : this.onEvent(payload)));
    this.wire.on('up', () => this.emit('connected'));
    this.wire.on('down', () => this.emit('disconnected'));
    this.wire.start();
  }

  /** Is the listening connection up (events flowing)? */
  get listening(): boolean { return this.wire.connected; }

  /** Resolves once listening; rejects after `timeoutMs`. */
  ready(timeoutMs = this.timeoutMs): Promise<void> { return this.wire.waitUp(timeoutMs); }

  async snapshot(accountId: string, conferenceId: string): Promise<LiveSnapshot> {
    const value = await this.request(accountId, conferenceId, { kind: 'snapshot' });
    return decodeValue(liveSnapshotSchema, value, 'snapshot');
  }

  async command(accountId: string, conferenceId: string, command: LiveCommand, actor: LiveActor): Promise<LiveCommandResult> {
    const value = await this.request(accountId, conferenceId, { kind: 'execute', command, actor });
    return decodeValue(liveCommandResultSchema, value, 'command result');
  }

  subscribe(filter: LiveSubscription, listener: LiveListener): Unsubscribe {
    const sub: Subscriber = { filter, listener };
    this.subscribers.add(sub);
    return () => { this.subscribers.delete(sub); };
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.subscribers.clear();
      for (const w of this.waiters.values()) { w.woken = true; w.wake?.(); }
      await this.wire.close();
      await this.pool.end().catch((err: unknown) => this.log.warn({ err }, 'live pool did not end cleanly'));
    })();
    return this.closed;
  }

  private async request(accountId: string, conferenceId: string, request: LiveRequest): Promise<unknown> {
    this.assertOpen();
    if (!isUuid(accountId) || !isUuid(conferenceId)) throw new NotFoundError('conference', conferenceId);
    const deadline = Date.now() + this.timeoutMs;
    // Listening before asking, so the answer's NOTIFY is heard; should the listener be down, the poll still finds the answer.
    if (!this.wire.connected) await this.wire.waitUp(Math.min(1_000, this.timeoutMs)).catch(() => undefined);
    const [row] = await this.query<{ id: string; node_id: string }>(INSERT, [conferenceId, accountId, JSON.stringify(request)]);
    if (!row) throw new NotFoundError('conference', conferenceId);
    return this.decode(await this.awaitResult(row.id, row.node_id, deadline));
  }

  private async awaitResult(id: string, nodeId: string, deadline: number): Promise<LiveResult> {
    const waiter: Waiter = { woken: this.recentDone.delete(id) };
    this.waiters.set(id, waiter);
    try {
      for (let left = deadline - Date.now(); left > 0; left = deadline - Date.now()) {
        await sleep(waiter, Math.min(this.pollMs, left));
        this.assertOpen();
        const result = await this.readResult(id);
        if (result) return result;
      }
    } finally {
      this.waiters.delete(id);
    }
    const message = `node ${nodeId} did not answer within ${this.timeoutMs} ms`;
    const marked = await this.query(GIVE_UP, [id, JSON.stringify(unavailableResult(message))]);
    // Not marked: the node answered at the last moment (take it), or took the request and is still running it.
    const late = marked.length === 0 ? await this.readResult(id) : undefined;
    if (late) return late;
    throw new LiveUnavailableError(message);
  }

  /** The row's result once it has one. */
  private async readResult(id: string): Promise<LiveResult | undefined> {
    const [row] = await this.query<{ status: string; result: unknown }>(READ, [id]);
    if (!row) throw new LiveUnavailableError(`live request ${id} disappeared`);
    if (row.status === 'pending') return undefined;
    const parsed = liveResultSchema.safeParse(row.result);
    if (!parsed.success) throw new Error(`malformed result of live request ${id}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  private decode(result: LiveResult): unknown {
    if (result.ok) return result.value;
    throw resultError(result.error);
  }

  private onDone(payload: string): void {
    const waiter = this.waiters.get(payload);
    if (waiter) {
      waiter.woken = true;
      waiter.wake?.();
      return;
    }
    if (!/^[0-9]{1,19}$/.test(payload)) return;
    this.recentDone.add(payload);
    if (this.recentDone.size > RECENT_DONE) this.recentDone.delete(this.recentDone.values().next().value!);
  }

  private onEvent(payload: string): void {
    if (this.subscribers.size === 0) return;
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      this.log.warn({ payload: payload.slice(0, 200) }, 'live event payload is not JSON; dropped');
      return;
    }
    const parsed = liveEventSchema.safeParse(json);
    if (!parsed.success) {
      this.log.warn({ payload: payload.slice(0, 200), issue: parsed.error.issues[0]?.message }, 'malformed live event; dropped');
      return;
    }
    const event = parsed.data;
    for (const sub of [...this.subscribers]) {
      if (!matches(sub.filter, event)) continue;
      try {
        sub.listener(event);
      } catch (err) {
        this.log.error({ err, type: event.type }, 'live event subscriber threw');
      }
    }
  }

  /** Database failures are the hosting node being out of reach, to the caller. */
  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw new LiveUnavailableError(`live database unreachable: ${(err as Error).message}`, { cause: err });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidStateError('live bus closed');
  }
}

/** Until the waiter is woken (its live_done arrived) or `ms` pass. */
function sleep(waiter: Waiter, ms: number): Promise<void> {
  if (waiter.woken) { waiter.woken = false; return Promise.resolve(); }
  return new Promise((resolve) => {
    const done = (): void => { clearTimeout(timer); waiter.wake = undefined; waiter.woken = false; resolve(); };
    const timer = setTimeout(done, ms);
    waiter.wake = done;
  });
}

function decodeValue<T>(schema: ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`malformed live ${what} from the hosting node: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}
