import type { Knex } from 'knex';
import { date, num } from '../sql.ts';
import type { AuditEntry, AuditStore, NewAuditEntry } from './store.ts';

type Row = Record<string, unknown>;
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toEntry(r: Row): AuditEntry {
  return {
    id: num(r.id), accountId: s(r.account_id), userId: s(r.user_id), actor: String(r.actor), action: String(r.action),
    targetType: s(r.target_type), targetId: s(r.target_id), data: (r.data ?? {}) as Record<string, unknown>, ip: s(r.ip), at: date(r.at),
  };
}

/** Row for an audit insert; also used inside other stores' transactions. */
export function auditRow(e: NewAuditEntry): Row {
  return {
    account_id: e.accountId ?? null, user_id: e.userId ?? null, actor: e.actor, action: e.action, target_type: e.targetType ?? null,
    target_id: e.targetId ?? null, data: JSON.stringify(e.data ?? {}), ip: e.ip ?? null, ...(e.at ? { at: e.at } : {}),
  };
}

export class KnexAuditStore implements AuditStore {
  constructor(private readonly db: Knex) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    const [row] = await this.db('audit_log').insert(auditRow(entry)).returning('*');
    return toEntry(row as Row);
  }

  async list(accountId: string, opts: { limit?: number; action?: string; userId?: string } = {}): Promise<AuditEntry[]> {
    const q = this.db('audit_log').where({ account_id: accountId });
    if (opts.action) q.where({ action: opts.action });
    // A removed member's entries keep their actor (user_id is set null).
    const userId = opts.userId;
    if (userId) q.where((w) => { void w.where({ user_id: userId }).orWhere({ actor: `user:${userId}` }); });
    return (await q.orderBy('id', 'desc').limit(Math.min(opts.limit ?? 200, 1000)) as Row[]).map(toEntry);
  }

  async listAll(opts: { limit?: number; action?: string } = {}): Promise<AuditEntry[]> {
    const q = this.db('audit_log');
    if (opts.action) q.where({ action: opts.action });
    return (await q.orderBy('id', 'desc').limit(Math.min(opts.limit ?? 200, 1000)) as Row[]).map(toEntry);
  }
}
