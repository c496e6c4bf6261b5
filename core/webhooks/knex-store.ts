// Webhook endpoints, deliveries and attempts over knex (PostgreSQL and PGlite).
import type { Knex } from 'knex';
import { NotFoundError } from '../errors.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { date, dateOrNull, num, numOrNull } from '../sql.ts';
import {
  WEBHOOK_EVENT_TYPES, type AttemptOutcome, type NewDelivery, type WebhookAttempt, type WebhookDelivery,
  type WebhookEndpoint, type WebhookEventType, type WebhookStore,
} from './store.ts';

type Row = Record<string, unknown>;
const ERROR_MAX = 300;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function eventsOf(v: unknown): WebhookEventType[] {
  const list = typeof v === 'string' ? JSON.parse(v) as unknown : v;
  return Array.isArray(list) ? list.filter((e): e is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(String(e))) : [];
}

const toEndpoint = (r: Row): WebhookEndpoint => ({
  id: String(r.id), accountId: String(r.account_id), url: String(r.url), description: String(r.description), secret: String(r.secret),
  events: eventsOf(r.events), enabled: Boolean(r.enabled), createdAt: date(r.created_at), updatedAt: date(r.updated_at),
});

const toDelivery = (r: Row): WebhookDelivery => ({
  id: String(r.id), endpointId: String(r.endpoint_id), accountId: String(r.account_id), eventId: String(r.event_id), eventType: String(r.event_type),
  body: String(r.body), status: r.status as WebhookDelivery['status'], attempts: num(r.attempts), nextAttemptAt: dateOrNull(r.next_attempt_at),
  retryUntil: date(r.retry_until), lastStatus: numOrNull(r.last_status), lastError: str(r.last_error), createdAt: date(r.created_at),
  updatedAt: date(r.updated_at), deliveredAt: dateOrNull(r.delivered_at),
});

export class KnexWebhookStore implements WebhookStore {
  constructor(private readonly db: Knex) {}

  async createEndpoint(accountId: string, input: { url: string; description: string; secret: string; events: WebhookEventType[] }): Promise<WebhookEndpoint> {
    const [row] = await this.db('webhook_endpoints').insert({
      account_id: accountId, url: input.url, description: input.description, secret: input.secret, events: JSON.stringify(input.events),
    }).returning('*');
    return toEndpoint(row as Row);
  }

  async listEndpoints(accountId: string): Promise<WebhookEndpoint[]> {
    return (await this.db('webhook_endpoints').where({ account_id: accountId }).orderBy('created_at') as Row[]).map(toEndpoint);
  }

  async getEndpoint(accountId: string, id: string): Promise<WebhookEndpoint> {
    const row = await this.db('webhook_endpoints').where({ id, account_id: accountId }).first() as Row | undefined;
    if (!row) throw new NotFoundError('webhook', id);
    return toEndpoint(row);
  }

  async setEnabled(accountId: string, id: string, enabled: boolean): Promise<WebhookEndpoint> {
    const [row] = await this.db('webhook_endpoints').where({ id, account_id: accountId }).update({ enabled, updated_at: this.db.fn.now() }).returning('*');
    if (!row) throw new NotFoundError('webhook', id);
    return toEndpoint(row as Row);
  }

  async deleteEndpoint(accountId: string, id: string): Promise<void> {
    const rows = await this.db('webhook_endpoints').where({ id, account_id: accountId }).delete().returning('id') as Row[];
    if (rows.length === 0) throw new NotFoundError('webhook', id);
  }

  async subscribers(accountId: string, type: WebhookEventType): Promise<WebhookEndpoint[]> {
    const rows = await this.db('webhook_endpoints').where({ account_id: accountId, enabled: true }) as Row[];
    return rows.map(toEndpoint).filter((e) => e.events.includes(type));
  }

  async enqueue(endpoint: Pick<WebhookEndpoint, 'id' | 'accountId'>, d: NewDelivery): Promise<WebhookDelivery | undefined> {
    const rows = await this.db('webhook_deliveries').insert({
      endpoint_id: endpoint.id, account_id: endpoint.accountId, event_id: d.eventId, event_type: d.eventType, body: d.body,
      status: 'pending', attempts: 0, next_attempt_at: d.at, retry_until: d.retryUntil, created_at: d.at, updated_at: d.at,
    }).onConflict(['endpoint_id', 'event_id']).ignore().returning('*') as Row[];
    return rows[0] ? toDelivery(rows[0]) : undefined;
  }

  async listDeliveries(accountId: string, opts: { endpointId?: string; limit?: number } = {}): Promise<WebhookDelivery[]> {
    const q = this.db('webhook_deliveries').where({ account_id: accountId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'seq', order: 'desc' }])
      .limit(Math.max(1, Math.min(opts.limit ?? 100, 500)));
    if (opts.endpointId) q.where({ endpoint_id: opts.endpointId });
    return (await q as Row[]).map(toDelivery);
  }

  async getDelivery(accountId: string, id: string): Promise<WebhookDelivery> {
    const row = await this.db('webhook_deliveries').where({ id, account_id: accountId }).first() as Row | undefined;
    if (!row) throw new NotFoundError('webhook delivery', id);
    return toDelivery(row);
  }

  async attempts(accountId: string, deliveryIds: readonly string[]): Promise<Map<string, WebhookAttempt[]>> {
    const out = new Map<string, WebhookAttempt[]>();
    if (deliveryIds.length === 0) return out;
    const rows = await this.db('webhook_attempts as a').join('webhook_deliveries as d', 'd.id', 'a.delivery_id')
      .where('d.account_id', accountId).whereIn('a.delivery_id', [...deliveryIds]).orderBy('a.id').select('a.*') as Row[];
    for (const r of rows) {
      const list = out.get(String(r.delivery_id)) ?? [];
      list.push({ attempt: num(r.attempt), at: date(r.at), statusCode: numOrNull(r.status_code), error: str(r.error), durationMs: num(r.duration_ms) });
      out.set(String(r.delivery_id), list);
    }
    return out;
  }

  async claimDue(now: Date, opts: { leaseMs: number; limit: number }): Promise<Array<{ delivery: WebhookDelivery; endpoint: WebhookEndpoint }>> {
    const limit = Math.max(1, Math.min(opts.limit, 100));
    return this.db.transaction(async (trx) => {
      const due = await trx('webhook_deliveries').where('status', 'pending').where('next_attempt_at', '<=', now)
        .orderBy([{ column: 'next_attempt_at' }, { column: 'seq' }]).limit(limit).forUpdate().skipLocked().select('id') as Row[];
      if (due.length === 0) return [];
      const rows = await trx('webhook_deliveries').whereIn('id', due.map((r) => String(r.id)))
        .update({ attempts: trx.raw('attempts + 1'), next_attempt_at: new Date(now.getTime() + opts.leaseMs), updated_at: now }).returning('*') as Row[];
      const order = new Map(due.map((r, i) => [String(r.id), i]));
      const deliveries = rows.map(toDelivery).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
      const endpoints = await trx('webhook_endpoints').whereIn('id', [...new Set(deliveries.map((d) => d.endpointId))]) as Row[];
      const byId = new Map(endpoints.map((e) => [String(e.id), toEndpoint(e)]));
      return deliveries.map((delivery) => ({ delivery, endpoint: byId.get(delivery.endpointId)! })).filter((x) => x.endpoint !== undefined);
    });
  }

  async recordAttempt(deliveryId: string, a: WebhookAttempt, outcome: AttemptOutcome): Promise<void> {
    const error = a.error === null ? null : a.error.slice(0, ERROR_MAX);
    await this.db.transaction(async (trx) => {
      await trx('webhook_attempts').insert({ delivery_id: deliveryId, attempt: a.attempt, at: a.at, status_code: a.statusCode, error, duration_ms: Math.round(a.durationMs) });
      const common = { last_status: a.statusCode, last_error: error, updated_at: new Date(a.at.getTime() + a.durationMs) };
      const update = outcome.kind === 'delivered' ? { ...common, status: 'delivered', delivered_at: outcome.at, next_attempt_at: null }
        : outcome.kind === 'retry' ? { ...common, status: 'pending', next_attempt_at: outcome.nextAttemptAt }
          : { ...common, status: 'failed', next_attempt_at: null };
      await trx('webhook_deliveries').where({ id: deliveryId }).update(update);
    });
  }

  async redeliver(accountId: string, id: string, at: Date, retryUntil: Date): Promise<WebhookDelivery> {
    // Not one that is pending: a sender may be sending it right now.
    const [row] = await this.db('webhook_deliveries').where({ id, account_id: accountId }).whereNot('status', 'pending')
      .update({ status: 'pending', next_attempt_at: at, retry_until: retryUntil, delivered_at: null, updated_at: at }).returning('*');
    if (!row) {
      await this.getDelivery(accountId, id); // NotFoundError when it is not the account's
      throw new InvalidStateError('the delivery is pending already: it is being sent or waits for its next attempt');
    }
    return toDelivery(row as Row);
  }

  async countPending(): Promise<number> {
    const row = await this.db('webhook_deliveries').where({ status: 'pending' }).count({ n: '*' }).first() as { n: unknown } | undefined;
    return num(row?.n ?? 0);
  }
}
