import type { Knex } from 'knex';
import { stringify } from 'csv-stringify/sync';
import { moduleLogger, type Logger } from '../../common/log.ts';
import { NotFoundError } from '../errors.ts';
import { date, dateOrNull, num, numOrNull } from '../sql.ts';
import { billableSecondsOf, findRate, destinationClassOf, billedSeconds, costOf, type DestinationClass, type Destination, type Direction } from '../billing/rating.ts';
import { toRate } from '../telephony/knex-store.ts';
import { auditRow } from '../audit/knex-store.ts';
import { noteCharge } from '../billing/low-balance.ts';
import { parseStoredNumber } from '../phone/normalise.ts';
import { csvSafe } from '../contacts/csv.ts';
import { legToJson, type LegDirection, type LegRecord } from './leg.ts';
import type { Cdr, CdrQuery, CdrStore, CdrTotals, ConferenceBill } from './store.ts';

type Row = Record<string, unknown>;
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const MAX_LIST = 5000;

function legColumns(l: LegRecord): Row {
  return {
    id: l.id, account_id: l.accountId, conference_id: l.conferenceId, room_id: l.roomId, room_number: l.roomNumber, node_id: l.nodeId,
    direction: l.direction, caller: l.caller.slice(0, 256), callee: l.callee.slice(0, 256), access_number_id: l.accessNumberId,
    access_number: l.accessNumber, role: l.role, display_name: l.displayName.slice(0, 200), started_at: l.startedAt, answered_at: l.answeredAt,
    ended_at: l.endedAt, last_checkpoint_at: l.lastCheckpointAt, q850_cause: l.q850Cause, state: l.state, closed_by_recovery: l.closedByRecovery,
  };
}
const MERGE_COLUMNS = Object.keys(legColumns({
  id: '', nodeId: '', accountId: null, conferenceId: null, roomId: null, roomNumber: null, direction: 'in', caller: '', callee: '',
  accessNumberId: null, accessNumber: null, role: null, displayName: '', startedAt: new Date(0), answeredAt: null, endedAt: null,
  lastCheckpointAt: null, q850Cause: null, state: 'open', closedByRecovery: false,
})).filter((c) => c !== 'id');

export function toLeg(r: Row): LegRecord {
  return {
    id: String(r.id), nodeId: String(r.node_id), accountId: s(r.account_id), conferenceId: s(r.conference_id), roomId: s(r.room_id),
    roomNumber: s(r.room_number), direction: r.direction as LegDirection, caller: String(r.caller), callee: String(r.callee),
    accessNumberId: s(r.access_number_id), accessNumber: s(r.access_number), role: s(r.role), displayName: String(r.display_name),
    startedAt: date(r.started_at), answeredAt: dateOrNull(r.answered_at), endedAt: dateOrNull(r.ended_at),
    lastCheckpointAt: dateOrNull(r.last_checkpoint_at), q850Cause: numOrNull(r.q850_cause), state: r.state as 'open' | 'closed',
    closedByRecovery: Boolean(r.closed_by_recovery),
  };
}

function toCdr(r: Row): Cdr {
  return {
    ...toLeg(r), destinationClass: s(r.destination_class) as DestinationClass | null, billableSeconds: numOrNull(r.billable_seconds),
    rateId: s(r.rate_id), ratePerMinuteMinor: numOrNull(r.rate_per_minute_minor), incrementS: numOrNull(r.increment_s),
    billedSeconds: numOrNull(r.billed_seconds), costMinor: numOrNull(r.cost_minor), chargedAt: dateOrNull(r.charged_at),
  };
}

/** A leg's direction and destination as the rates know them. */
interface RatedAs { direction: Direction; destination: Destination }

/**
 * What a leg is rated as: dial-in by access number, dial-out by the called
 * number, a browser by the webrtc rate; null: not rated (billed 0, no warning).
 */
function ratedAs(l: LegRecord, homeRegion: string): RatedAs | null {
  switch (l.direction) {
    // The host's leg of a relayed caller: that caller is billed on the node it called (ivr/flows/relay.ts).
    case 'relay': return null;
    case 'webrtc': return { direction: 'webrtc', destination: { kind: 'webrtc' } };
    case 'in': return l.accessNumberId ? { direction: 'in', destination: { kind: 'access_number', accessNumberId: l.accessNumberId } } : null;
    case 'out': {
      const { e164 } = parseStoredNumber(l.callee);
      return /^\+[1-9][0-9]{6,14}$/.test(e164) ? { direction: 'out', destination: { kind: 'number', e164, homeRegion } } : null; // SIP URIs are not rated
    }
  }
}

export interface KnexCdrStoreOptions {
  /** The platform's country for rating dial-out legs (domestic or international); default 'CN'. */
  homeRegion?: string;
  /** Default: the module's logger (tests pass one that keeps what is logged). */
  log?: Logger;
}

export class KnexCdrStore implements CdrStore {
  private readonly log: Logger;

  constructor(private readonly db: Knex, private readonly opts: KnexCdrStoreOptions = {}) {
    this.log = opts.log ?? moduleLogger('core', { part: 'cdr-store' });
  }

  async write(leg: LegRecord): Promise<void> {
    await this.db.transaction(async (trx) => {
      // Closed rows are final: a replayed older state never overwrites them.
      await trx('call_legs').insert(legColumns(leg)).onConflict('id').merge([...MERGE_COLUMNS, 'updated_at'])
        .where('call_legs.state', 'open');
      if (leg.state === 'closed') await this.charge(trx, leg);
    });
  }

  async writeMany(legs: readonly LegRecord[]): Promise<void> {
    if (legs.length === 0) return;
    await this.db.transaction(async (trx) => {
      await trx('call_legs').insert(legs.map(legColumns)).onConflict('id').merge([...MERGE_COLUMNS, 'updated_at'])
        .where('call_legs.state', 'open');
      for (const leg of legs) if (leg.state === 'closed') await this.charge(trx, leg);
    });
  }

  async deadLetter(leg: LegRecord, refusal: { code: string; message: string }): Promise<void> {
    const row = { leg: JSON.stringify(legToJson(leg)), error_code: refusal.code, error_message: refusal.message };
    await this.db('cdr_dead_letters').insert({ leg_id: leg.id, node_id: leg.nodeId, account_id: leg.accountId, ...row }).onConflict('leg_id')
      .merge({ ...row, account_id: leg.accountId, refused_at: this.db.fn.now(), refusals: this.db.raw('cdr_dead_letters.refusals + 1') });
  }

  /** Rates the closed leg and draws the cost from the balance — once: charged_at guards it. */
  private async charge(trx: Knex.Transaction, leg: LegRecord): Promise<void> {
    const row = await trx('call_legs').where({ id: leg.id }).forUpdate().first() as Row | undefined;
    if (!row || row.charged_at !== null || row.state !== 'closed') return;
    const closed = toLeg(row);
    const billable = billableSecondsOf(closed.answeredAt, closed.endedAt ?? closed.startedAt);
    const rated = ratedAs(closed, this.opts.homeRegion ?? 'CN');
    let rateCols: Row = { rate_id: null, rate_per_minute_minor: null, increment_s: null, billed_seconds: 0, cost_minor: 0, destination_class: null };
    if (rated) {
      let cls: DestinationClass | null = null;
      try { cls = destinationClassOf(rated.destination); } catch { cls = null; }
      const rates = (await trx('rates') as Row[]).map(toRate);
      const rate = cls ? findRate(rates, rated.direction, rated.destination) : undefined;
      if (rate) {
        const billed = billedSeconds(billable, rate.incrementS);
        rateCols = {
          rate_id: rate.id, rate_per_minute_minor: rate.perMinuteMinor, increment_s: rate.incrementS, billed_seconds: billed,
          cost_minor: costOf(billed, rate.perMinuteMinor), destination_class: cls,
        };
      } else {
        rateCols.destination_class = cls;
        if (billable > 0) this.log.warn({ legId: leg.id, direction: closed.direction }, 'no rate for an answered leg; billed at 0');
      }
    }
    await trx('call_legs').where({ id: leg.id }).update({ ...rateCols, billable_seconds: billable, charged_at: trx.fn.now(), updated_at: trx.fn.now() });
    const cost = num(rateCols.cost_minor);
    if (closed.accountId === null || cost === 0) return;
    const [acc] = await trx('accounts').where({ id: closed.accountId })
      .update({ balance_minor: trx.raw('balance_minor - ?', [cost]), updated_at: trx.fn.now() })
      .returning(['balance_minor', 'balance_exhausted_at']) as Row[];
    if (acc && num(acc.balance_minor) <= 0 && acc.balance_exhausted_at === null) {
      // The owner's warning: the web shows it; new calls are refused from now on.
      await trx('accounts').where({ id: closed.accountId }).update({ balance_exhausted_at: trx.fn.now() });
      await trx('audit_log').insert(auditRow({
        accountId: closed.accountId, actor: 'system', action: 'balance.exhausted', targetType: 'account', targetId: closed.accountId,
        data: { balanceMinor: num(acc.balance_minor), legId: leg.id },
      }));
    }
    // Below the owner's threshold for the first time since the last top-up: the warning (mailed by the web).
    await noteCharge(trx, closed.accountId, leg.id);
  }

  async listOpen(nodeId: string): Promise<LegRecord[]> {
    return (await this.db('call_legs').where({ node_id: nodeId, state: 'open' }).orderBy('started_at').limit(100_000) as Row[]).map(toLeg);
  }

  async get(accountId: string, legId: string): Promise<Cdr> {
    const row = await this.db('call_legs').where({ id: legId, account_id: accountId }).first() as Row | undefined;
    if (!row) throw new NotFoundError('call record', legId);
    return toCdr(row);
  }

  private query(accountId: string, q: CdrQuery): Knex.QueryBuilder {
    const b = this.db('call_legs').where({ account_id: accountId }).where('started_at', '>=', q.from).where('started_at', '<', q.to);
    if (q.conferenceId) b.where({ conference_id: q.conferenceId });
    // The account's records leave relay legs out unless asked for them (see CdrStore).
    if (q.direction) b.where({ direction: q.direction });
    else b.whereNot({ direction: 'relay' });
    return b;
  }

  async list(accountId: string, q: CdrQuery): Promise<Cdr[]> {
    const rows = await this.query(accountId, q).orderBy('started_at', 'desc').orderBy('id')
      .limit(Math.min(q.limit ?? 500, MAX_LIST)).offset(q.offset ?? 0) as Row[];
    return rows.map(toCdr);
  }

  async totals(accountId: string, range: { from: Date; to: Date }): Promise<CdrTotals> {
    const [r] = await this.query(accountId, range).count('* as calls')
      .sum({ secs: 'billable_seconds' }).sum({ cost: 'cost_minor' }) as Row[];
    return { calls: num(r?.calls ?? 0), billableSeconds: num(r?.secs ?? 0), costMinor: num(r?.cost ?? 0) };
  }

  async conferenceBills(accountId: string, range: { from: Date; to: Date; limit?: number; offset?: number }): Promise<ConferenceBill[]> {
    // A lateral aggregate per conference reads each conference's legs from
    // the (conference_id) covering index; a plain join made PostgreSQL scan
    // every leg of the account (400 ms over 1M CDRs, see BENCHMARKS.md).
    // Relay legs are not participants (a relayed caller counts by its entry node's leg).
    const legs = this.db('call_legs as l').whereRaw('l.conference_id = c.id').andWhereRaw('l.account_id = c.account_id').whereNot('l.direction', 'relay')
      .select(this.db.raw('count(*) as participants'), this.db.raw('sum(l.billable_seconds) as secs'), this.db.raw('sum(l.cost_minor) as cost'));
    const rows = await this.db('conferences as c')
      .joinRaw(`CROSS JOIN LATERAL (${legs.toQuery()}) as agg`)
      .where('c.account_id', accountId).where('c.started_at', '>=', range.from).where('c.started_at', '<', range.to)
      .select('c.id', 'c.room_number', 'c.started_at', 'c.ended_at', 'agg.participants', 'agg.secs', 'agg.cost')
      .orderBy('c.started_at', 'desc').orderBy('c.id').limit(Math.min(range.limit ?? MAX_LIST, MAX_LIST)).offset(range.offset ?? 0) as Row[];
    return rows.map((r) => ({
      conferenceId: String(r.id), roomNumber: String(r.room_number), startedAt: date(r.started_at), endedAt: dateOrNull(r.ended_at),
      participants: num(r.participants ?? 0), billableSeconds: num(r.secs ?? 0), costMinor: num(r.cost ?? 0),
    }));
  }

  async exportCsv(accountId: string, q: CdrQuery): Promise<string> {
    const rows = await this.list(accountId, { ...q, limit: q.limit ?? MAX_LIST });
    const body = stringify(rows.map((c) => ([
      c.startedAt.toISOString(), c.answeredAt?.toISOString() ?? '', c.endedAt?.toISOString() ?? '', c.direction, c.caller, c.callee,
      c.accessNumber ?? '', c.roomNumber ?? '', c.role ?? '', c.billableSeconds ?? '', c.billedSeconds ?? '', c.ratePerMinuteMinor ?? '',
      c.costMinor ?? '', c.q850Cause ?? '',
    ] as Array<string | number>).map(csvSafe)), {
      header: true,
      columns: ['start', 'answer', 'end', 'direction', 'caller', 'callee', 'access_number', 'room', 'role', 'billable_s', 'billed_s', 'rate_per_min_minor', 'cost_minor', 'q850'],
    });
    return '\uFEFF' + body;
  }
}
