// The bridge node's side of the live seam across processes: serves this
// node's LiveHost (the IVR's conferences) to PgLiveBus consumers on the same
// PostgreSQL (protocol in core/live/README.md "PostgreSQL").
//
// Commands: a consumer inserts a row into live_commands for this node and
// NOTIFYs live_cmd. The host claims the row with one conditional UPDATE
// (pending and unclaimed → claimed; the claim time goes into done_at while
// the status stays 'pending'), so two claims — NOTIFY and the poll, or two
// processes by mistake serving one node id — never run a command twice. It
// runs the request on the LiveHost, writes {ok, value | error} with status
// done or failed, and NOTIFYs live_done with the row id. Besides NOTIFY it
// polls every `pollMs` (and at each (re)connect), so a lost notification
// delays a command but never loses it. A row older than `maxAgeMs` is not run
// but failed: whoever sent it gave up long ago. Claims are made one at a
// time in arrival order, and a conference's commands run one after another
// in that order (a mute then an unmute stay in that order).
//
// Events: everything host.subscribe() hands out goes to live_events through
// PgEventSender (queued, in order, dropped while the database is down).
import pg from 'pg';
import { moduleLogger, type Logger } from '../../common/log.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { errorToWire, type LiveHost, type Unsubscribe } from './live.ts';
import { PgEventSender } from './pg-event-sender.ts';
import { PgListener } from './pg-listener.ts';
import { CMD_CHANNEL, cmdNoticeSchema, DONE_CHANNEL, liveRequestSchema, ROW_TTL_MS, unavailableResult, type LiveRequest, type LiveResult } from './pg-protocol.ts';

export interface PgLiveHostOptions {
  databaseUrl: string;
  /** The node id written into this node's conference rows (config.data.nodeId). */
  nodeId: string;
  log?: Logger;
  /** How often pending rows are looked for besides NOTIFY; default 1000 ms. */
  pollMs?: number;
  /** A pending row older than this is failed, not run; default 30 s. */
  maxAgeMs?: number;
}

export interface PgLiveServer {
  /** Is the listening connection up (commands woken by NOTIFY, events sent)? Health checks and tests. */
  readonly listening: boolean;
  /** Stops taking commands, lets the running ones write their results (bounded), and closes the connections. */
  close(): Promise<void>;
}

interface CommandRow { id: string; account_id: string; conference_id: string | null; request: unknown }

const RETURNING = 'RETURNING id, account_id, conference_id, request';
const CLAIM_ONE = `UPDATE live_commands SET done_at = now()
  WHERE id = $1 AND node_id = $2 AND status = 'pending' AND done_at IS NULL AND created_at > now() - $3::float8 * interval '1 millisecond' ${RETURNING}`;
const CLAIM_PENDING = `UPDATE live_commands SET done_at = now() WHERE id IN (
  SELECT id FROM live_commands WHERE node_id = $1 AND status = 'pending' AND done_at IS NULL AND created_at > now() - $2::float8 * interval '1 millisecond'
  ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED) ${RETURNING}`;
const EXPIRE = `UPDATE live_commands SET status = 'failed', result = $3::jsonb, done_at = now()
  WHERE node_id = $1 AND status = 'pending' AND done_at IS NULL AND created_at <= now() - $2::float8 * interval '1 millisecond' RETURNING id`;
const FINISH = `WITH u AS (UPDATE live_commands SET status = $2, result = $3::jsonb, done_at = now() WHERE id = $1 RETURNING id)
  SELECT pg_notify('${DONE_CHANNEL}', id::text) FROM u`;
const CLEAN_UP = `DELETE FROM live_commands WHERE created_at < now() - $1::float8 * interval '1 millisecond'`;
const CLEAN_UP_EVERY_MS = 300_000;
const CLOSE_WAIT_MS = 3_000;

export function servePgLive(host: LiveHost, opts: PgLiveHostOptions): PgLiveServer {
  const server = new PgLiveHostServer(host, opts);
  server.start();
  return server;
}

class PgLiveHostServer implements PgLiveServer {
  private readonly log: Logger;
  private readonly pool: pg.Pool;
  private readonly wire: PgListener;
  private readonly events: PgEventSender;
  private readonly pollMs: number;
  private readonly maxAgeMs: number;
  /** Claims, one at a time in arrival order. */
  private intake: Promise<void> = Promise.resolve();
  /** Each conference's commands, one after another. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private lastCleanUp = 0;
  private unsubscribe: Unsubscribe | undefined;
  private closed: Promise<void> | undefined;

  constructor(private readonly host: LiveHost, private readonly opts: PgLiveHostOptions) {
    this.log = opts.log ?? moduleLogger('core', { part: 'live-pg-host', nodeId: opts.nodeId });
    this.pollMs = opts.pollMs ?? 1000;
    this.maxAgeMs = opts.maxAgeMs ?? 30_000;
    this.pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000, application_name: `live-host ${opts.nodeId}` });
    this.wire = new PgListener({ databaseUrl: opts.databaseUrl, channels: [CMD_CHANNEL], log: this.log, name: `live-host ${opts.nodeId}` });
    this.events = new PgEventSender(this.wire, this.log);
  }

  start(): void {
    if (this.host.nodeId !== this.opts.nodeId) this.log.warn({ hostNodeId: this.host.nodeId }, 'the live host names another node id than the one served');
    this.pool.on('error', (err) => this.log.warn({ err }, 'idle live database connection failed'));
    this.wire.on('notification', (_channel, payload) => this.onNotice(payload));
    this.wire.on('up', () => this.poll());
    this.wire.start();
    this.unsubscribe = this.host.subscribe((e) => this.events.send(e));
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
    this.poll();
    this.log.info({ pollMs: this.pollMs }, 'serving the live seam over PostgreSQL');
  }

  get listening(): boolean { return this.wire.connected; }

  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    const settled = (async () => {
      await this.intake;
      await Promise.allSettled([...this.running]);
      await this.events.idle();
    })();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_WAIT_MS); });
    await Promise.race([settled, bound]);
    clearTimeout(timer);
    await this.wire.close();
    await this.pool.end().catch((err: unknown) => this.log.warn({ err }, 'live pool did not end cleanly'));
  }

  private onNotice(payload: string): void {
    if (this.closed) return;
    let notice: { nodeId: string; id: string };
    try {
      notice = cmdNoticeSchema.parse(JSON.parse(payload));
    } catch (err) {
      this.log.warn({ err, payload: payload.slice(0, 200) }, 'malformed live_cmd notification ignored');
      return;
    }
    if (notice.nodeId !== this.opts.nodeId) return;
    this.enqueueClaim(() => this.query<CommandRow>(CLAIM_ONE, [notice.id, this.opts.nodeId, this.maxAgeMs]));
  }

  /** Every pollMs and at each (re)connect: expired rows failed, pending rows claimed, old rows deleted now and then. */
  private poll(): void {
    if (this.closed || this.polling) return;
    this.polling = true;
    this.enqueueClaim(async () => {
      try {
        const expired = await this.query(EXPIRE, [this.opts.nodeId, this.maxAgeMs, JSON.stringify(unavailableResult(`not run: older than ${this.maxAgeMs} ms when node ${this.opts.nodeId} saw it`))]);
        if (expired.length > 0) this.log.warn({ expired: expired.length }, 'live commands too old to run were failed');
        if (Date.now() - this.lastCleanUp >= CLEAN_UP_EVERY_MS) {
          await this.query(CLEAN_UP, [ROW_TTL_MS]);
          this.lastCleanUp = Date.now();
        }
        return await this.query<CommandRow>(CLAIM_PENDING, [this.opts.nodeId, this.maxAgeMs]);
      } finally {
        this.polling = false;
      }
    });
  }

  private enqueueClaim(claim: () => Promise<CommandRow[]>): void {
    this.intake = this.intake
      .then(async () => {
        if (this.closed) return;
        const rows = await claim();
        rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
        for (const row of rows) this.dispatch(row);
      })
      .catch((err: unknown) => this.log.warn({ err }, 'claiming live commands failed; the poll tries again'));
  }

  /** Runs a claimed row: snapshots and lists at once, commands after the conference's earlier ones. */
  private dispatch(row: CommandRow): void {
    const parsed = liveRequestSchema.safeParse(row.request);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
      this.track(this.finish(row.id, { ok: false, error: errorToWire(new ValidationError(`malformed live request: ${issues}`, 'request')) }));
      return;
    }
    const request = parsed.data;
    const conferenceId = row.conference_id;
    if (request.kind !== 'execute' || conferenceId === null) {
      this.track(this.runAndFinish(row, request));
      return;
    }
    const next = (this.chains.get(conferenceId) ?? Promise.resolve()).then(() => this.runAndFinish(row, request));
    this.chains.set(conferenceId, next);
    this.track(next.finally(() => { if (this.chains.get(conferenceId) === next) this.chains.delete(conferenceId); }));
  }

  private async runAndFinish(row: CommandRow, request: LiveRequest): Promise<void> {
    let result: LiveResult;
    try {
      result = { ok: true, value: await this.run(row, request) };
    } catch (err) {
      result = { ok: false, error: errorToWire(err) };
    }
    await this.finish(row.id, result);
  }

  private async run(row: CommandRow, request: LiveRequest): Promise<unknown> {
    if (request.kind === 'list') return this.host.list(row.account_id);
    const conferenceId = row.conference_id;
    if (conferenceId === null) throw new ValidationError(`a ${request.kind} request needs a conference`, 'conference_id');
    if (request.kind === 'execute') return this.host.execute(row.account_id, conferenceId, request.command, request.actor);
    const snapshot = this.host.snapshot(row.account_id, conferenceId);
    if (!snapshot) throw new NotFoundError('conference', conferenceId);
    return snapshot;
  }

  /** Writes the result and wakes the consumer; one retry, then the consumer's timeout speaks. */
  private async finish(id: string, result: LiveResult): Promise<void> {
    let json: string;
    try {
      json = JSON.stringify(result);
    } catch (err) {
      json = JSON.stringify({ ok: false, error: errorToWire(err) } satisfies LiveResult);
    }
    const status = result.ok ? 'done' : 'failed';
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.pool.query(FINISH, [id, status, json]);
        return;
      } catch (err) {
        if (attempt === 1) this.log.error({ err, id }, 'live command result not written; its caller will time out');
        else await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.log.error({ err }, 'live command failed unexpectedly'));
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }
}
