import type { Knex } from 'knex';
import type { DialOutClass } from '../billing/destination.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { date, deleteCount, isUniqueViolation, num, numOrNull } from '../sql.ts';
import type { BlockedPrefix, DialOutPolicy, DialOutPolicyPatch, DialOutStore, OutboundSpend } from './store.ts';

type Row = Record<string, unknown>;

export const DIAL_OUT_CLASSES: readonly DialOutClass[] = ['domestic_fixed', 'domestic_mobile', 'international'];

function classesOf(v: unknown): DialOutClass[] {
  const list = typeof v === 'string' ? JSON.parse(v) as unknown : v;
  return Array.isArray(list) ? list.filter((c): c is DialOutClass => DIAL_OUT_CLASSES.includes(c as DialOutClass)) : [];
}

function toPolicy(r: Row): DialOutPolicy {
  return {
    classes: classesOf(r.dial_out_classes), maxOutboundCalls: num(r.max_outbound_calls), dailyCapMinor: numOrNull(r.daily_outbound_cap_minor),
    guestsMayInvite: Boolean(r.guests_may_invite),
  };
}

function checkPatch(p: DialOutPolicyPatch): void {
  if (p.classes !== undefined) {
    if (!Array.isArray(p.classes)) throw new ValidationError('classes must be a list', 'classes');
    for (const c of p.classes) if (!DIAL_OUT_CLASSES.includes(c)) throw new ValidationError(`unknown destination class ${String(c)}`, 'classes');
  }
  if (p.maxOutboundCalls !== undefined && (!Number.isSafeInteger(p.maxOutboundCalls) || p.maxOutboundCalls < 0 || p.maxOutboundCalls > 100_000)) {
    throw new ValidationError('outbound calls at once must be a whole number from 0 to 100000', 'maxOutboundCalls');
  }
  if (p.dailyCapMinor !== undefined && p.dailyCapMinor !== null && (!Number.isSafeInteger(p.dailyCapMinor) || p.dailyCapMinor < 0)) {
    throw new ValidationError('the daily cap must be a whole number of minor units ≥ 0, or none', 'dailyCapMinor');
  }
  if (p.guestsMayInvite !== undefined && typeof p.guestsMayInvite !== 'boolean') throw new ValidationError('guestsMayInvite must be true or false', 'guestsMayInvite');
}

export class KnexDialOutStore implements DialOutStore {
  constructor(private readonly db: Knex) {}

  async policy(accountId: string): Promise<DialOutPolicy> {
    const row = await this.db('accounts').where({ id: accountId }).first('dial_out_classes', 'max_outbound_calls', 'daily_outbound_cap_minor', 'guests_may_invite') as Row | undefined;
    if (!row) throw new NotFoundError('account', accountId);
    return toPolicy(row);
  }

  async setPolicy(accountId: string, patch: DialOutPolicyPatch): Promise<DialOutPolicy> {
    checkPatch(patch);
    const set: Row = { updated_at: this.db.fn.now() };
    if (patch.classes !== undefined) set.dial_out_classes = JSON.stringify(DIAL_OUT_CLASSES.filter((c) => patch.classes!.includes(c)));
    if (patch.maxOutboundCalls !== undefined) set.max_outbound_calls = patch.maxOutboundCalls;
    if (patch.dailyCapMinor !== undefined) set.daily_outbound_cap_minor = patch.dailyCapMinor;
    if (patch.guestsMayInvite !== undefined) set.guests_may_invite = patch.guestsMayInvite;
    const [row] = await this.db('accounts').where({ id: accountId }).update(set).returning(['dial_out_classes', 'max_outbound_calls', 'daily_outbound_cap_minor', 'guests_may_invite']);
    if (!row) throw new NotFoundError('account', accountId);
    return toPolicy(row as Row);
  }

  async blocked(): Promise<BlockedPrefix[]> {
    return (await this.db('blocked_prefixes').orderBy('prefix') as Row[]).map((r) => ({ prefix: String(r.prefix), description: String(r.description), createdAt: date(r.created_at) }));
  }

  async block(prefix: string, description = ''): Promise<BlockedPrefix> {
    const p = prefix.trim().replace(/^\+/, '');
    if (!/^\d{1,15}$/.test(p)) throw new ValidationError('a prefix is 1 to 15 digits of the E.164 number (country code first, no +)', 'prefix');
    try {
      const [row] = await this.db('blocked_prefixes').insert({ prefix: p, description: description.trim().slice(0, 200) }).returning('*') as Row[];
      return { prefix: String(row!.prefix), description: String(row!.description), createdAt: date(row!.created_at) };
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`prefix ${p} is already blocked`);
      throw err;
    }
  }

  async unblock(prefix: string): Promise<void> {
    // Counted through RETURNING (core/sql.ts): on PGlite a bare delete reports no count, and a missing prefix went unnoticed.
    const n = await deleteCount(this.db('blocked_prefixes').where({ prefix: prefix.trim().replace(/^\+/, '') }), 'prefix');
    if (n === 0) throw new NotFoundError('blocked prefix', prefix);
  }

  async spentSince(accountId: string, since: Date): Promise<number> {
    const row = await this.db('call_legs').where({ account_id: accountId, direction: 'out' }).where('ended_at', '>=', since)
      .sum({ s: 'cost_minor' }).first() as Row | undefined;
    return row?.s == null ? 0 : num(row.s);
  }

  async outboundSpend(since: Date, opts: { limit?: number } = {}): Promise<OutboundSpend[]> {
    const rows = await this.db('call_legs as l').join('accounts as a', 'a.id', 'l.account_id')
      .where('l.direction', 'out').where('l.ended_at', '>=', since)
      .groupBy('l.account_id', 'a.name')
      .select('l.account_id', 'a.name', this.db.raw('coalesce(sum(l.cost_minor), 0) as spent'), this.db.raw('count(*) as calls'))
      .orderBy('spent', 'desc').limit(Math.min(opts.limit ?? 50, 500)) as Row[];
    return rows.map((r) => ({ accountId: String(r.account_id), accountName: String(r.name), spentMinor: num(r.spent), calls: num(r.calls) }));
  }
}
