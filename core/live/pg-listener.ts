// One dedicated PostgreSQL connection that LISTENs on the live seam's
// channels (pg-host.ts, pg-bus.ts), and reconnects when it drops: the server
// restarted, the network went away. Attempts back off from `backoffMs.min`
// doubling to `backoffMs.max` and go on until close(). Notifications sent
// while it is down are lost — PostgreSQL keeps none for a session that is not
// there — which is why every user of it has a fallback (the host and the bus
// poll their rows; event subscribers hear `up` and re-read a snapshot).
import pg from 'pg';
import { InvalidStateError } from '../../common/errors.ts';
import { TypedEmitter } from '../../common/events.ts';
import type { Logger } from '../../common/log.ts';

export type PgListenerEvents = {
  /** Connected and listening (first time, and after each reconnect). */
  up: [];
  /** The connection was lost; a reconnect is scheduled. */
  down: [];
  notification: [channel: string, payload: string];
};

export interface PgListenerOptions {
  databaseUrl: string;
  channels: readonly string[];
  log: Logger;
  /** Shown in pg_stat_activity. */
  name: string;
  backoffMs?: { min: number; max: number };
}

const DEFAULT_BACKOFF = { min: 100, max: 5_000 };

export class PgListener extends TypedEmitter<PgListenerEvents> {
  private client: pg.Client | undefined;
  private live = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly backoff: { min: number; max: number };
  private delay: number;
  private failures = 0;

  constructor(private readonly opts: PgListenerOptions) {
    super();
    this.backoff = opts.backoffMs ?? DEFAULT_BACKOFF;
    this.delay = this.backoff.min;
  }

  get connected(): boolean { return this.live; }

  start(): void {
    if (!this.client && !this.retry) this.connect();
  }

  /** Resolves when connected (at once if it is); rejects after `timeoutMs`. */
  async waitUp(timeoutMs: number): Promise<void> {
    if (this.live) return;
    await this.waitFor('up', timeoutMs);
  }

  /** A query on this connection (the host sends its events here, in order); rejects when not connected. */
  query(text: string, values: unknown[]): Promise<pg.QueryResult> {
    if (!this.live || !this.client) return Promise.reject(new InvalidStateError('live listener not connected'));
    return this.client.query(text, values);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    const c = this.client;
    this.client = undefined;
    this.live = false;
    if (c) await c.end().catch(() => { /* already gone */ });
  }

  private connect(): void {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.opts.databaseUrl, keepAlive: true, keepAliveInitialDelayMillis: 10_000, application_name: this.opts.name });
    this.client = client;
    let gone = false;
    const drop = (err?: unknown): void => {
      if (gone) return;
      gone = true;
      client.removeAllListeners('notification');
      client.end().catch(() => { /* already gone */ });
      if (this.client === client) this.client = undefined;
      if (this.closed) return;
      if (this.live) {
        this.live = false;
        this.opts.log.warn({ err }, 'live listener connection lost; reconnecting');
        this.emit('down');
      } else if (this.failures++ === 0) {
        this.opts.log.warn({ err }, 'live listener cannot connect; retrying');
      }
      this.scheduleRetry();
    };
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (msg) => this.emit('notification', msg.channel, msg.payload ?? ''));
    void this.listen(client, () => gone).catch(drop);
  }

  private async listen(client: pg.Client, gone: () => boolean): Promise<void> {
    await client.connect();
    for (const channel of this.opts.channels) await client.query(`LISTEN ${channel}`);
    if (gone() || this.closed) return;
    this.live = true;
    this.delay = this.backoff.min;
    if (this.failures > 0) this.opts.log.info({ failures: this.failures }, 'live listener connected again');
    this.failures = 0;
    this.emit('up');
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.backoff.max);
    this.retry = setTimeout(() => { this.retry = undefined; this.connect(); }, wait);
    this.retry.unref();
  }
}
