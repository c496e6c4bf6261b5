import type { Knex } from 'knex';
import type { Rate, Direction, DestinationClass } from '../billing/rating.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { deleteCount, isUniqueViolation, num } from '../sql.ts';
import { checkDialPlanRules } from './dial-plan-try.ts';
import type {
  AccessNumber, AccessNumberKind, AccessNumberStore, DialPlan, DialPlanRule, Language, NewAccessNumber,
  NewRate, NewTrunk, RateStore, Trunk, TrunkStore,
} from './store.ts';

type Row = Record<string, unknown>;
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toAccessNumber(r: Row): AccessNumber {
  return {
    id: String(r.id), number: String(r.number), kind: r.kind as AccessNumberKind, language: r.language as Language,
    description: String(r.description), trunkId: strOrNull(r.trunk_id), enabled: Boolean(r.enabled),
  };
}

function accessNumberRow(p: Partial<AccessNumber>): Row {
  const row: Row = {};
  if (p.number !== undefined) {
    if (!/^\+?[0-9]{3,20}$/.test(p.number)) throw new ValidationError('access number must be digits', 'number');
    row.number = p.number;
  }
  if (p.kind !== undefined) row.kind = p.kind;
  if (p.language !== undefined) row.language = p.language;
  if (p.description !== undefined) row.description = p.description;
  if (p.trunkId !== undefined) row.trunk_id = p.trunkId;
  if (p.enabled !== undefined) row.enabled = p.enabled;
  return row;
}

async function guard<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`${what} already exists`);
    throw err;
  }
}

export class KnexAccessNumberStore implements AccessNumberStore {
  constructor(private readonly db: Knex) {}
  async create(input: NewAccessNumber): Promise<AccessNumber> {
    const [row] = await guard(`access number ${input.number}`, () => this.db('access_numbers').insert(accessNumberRow(input)).returning('*'));
    return toAccessNumber(row as Row);
  }
  async get(id: string): Promise<AccessNumber> {
    const row = await this.db('access_numbers').where({ id }).first() as Row | undefined;
    if (!row) throw new NotFoundError('access number', id);
    return toAccessNumber(row);
  }
  async findByNumber(number: string): Promise<AccessNumber | undefined> {
    const row = await this.db('access_numbers').where({ number }).first() as Row | undefined;
    return row ? toAccessNumber(row) : undefined;
  }
  async list(): Promise<AccessNumber[]> {
    return (await this.db('access_numbers').orderBy('number') as Row[]).map(toAccessNumber);
  }
  async update(id: string, patch: Partial<Omit<AccessNumber, 'id'>>): Promise<AccessNumber> {
    const [row] = await guard('access number', () => this.db('access_numbers').where({ id })
      .update({ ...accessNumberRow(patch), updated_at: this.db.fn.now() }).returning('*'));
    if (!row) throw new NotFoundError('access number', id);
    return toAccessNumber(row as Row);
  }
  async delete(id: string): Promise<void> {
    if ((await deleteCount(this.db('access_numbers').where({ id }))) === 0) throw new NotFoundError('access number', id);
  }
}

function toTrunk(r: Row): Trunk {
  return {
    id: String(r.id), name: String(r.name), host: String(r.host), port: num(r.port), transport: r.transport as 'udp' | 'tcp',
    authUsername: strOrNull(r.auth_username), authPassword: strOrNull(r.auth_password), callerId: strOrNull(r.caller_id),
    maxConcurrent: num(r.max_concurrent), maxCallsPerSecond: num(r.max_calls_per_second),
    dialPlanId: strOrNull(r.dial_plan_id), failoverTrunkId: strOrNull(r.failover_trunk_id), enabled: Boolean(r.enabled),
  };
}

const TRUNK_COLUMNS: Record<string, string> = {
  name: 'name', host: 'host', port: 'port', transport: 'transport', authUsername: 'auth_username', authPassword: 'auth_password',
  callerId: 'caller_id', maxConcurrent: 'max_concurrent', maxCallsPerSecond: 'max_calls_per_second', dialPlanId: 'dial_plan_id', failoverTrunkId: 'failover_trunk_id', enabled: 'enabled',
};

function trunkRow(p: Partial<Trunk>): Row {
  const row: Row = {};
  for (const [k, col] of Object.entries(TRUNK_COLUMNS)) {
    const v = (p as Record<string, unknown>)[k];
    if (v !== undefined) row[col] = v;
  }
  if (p.port !== undefined && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)) throw new ValidationError('bad port', 'port');
  if (p.maxConcurrent !== undefined && (!Number.isInteger(p.maxConcurrent) || p.maxConcurrent < 1)) throw new ValidationError('bad concurrency limit', 'maxConcurrent');
  if (p.maxCallsPerSecond !== undefined && (!Number.isInteger(p.maxCallsPerSecond) || p.maxCallsPerSecond < 1)) throw new ValidationError('bad calls-per-second limit', 'maxCallsPerSecond');
  return row;
}

export class KnexTrunkStore implements TrunkStore {
  constructor(private readonly db: Knex) {}
  async create(input: NewTrunk): Promise<Trunk> {
    const [row] = await guard(`trunk ${input.name}`, () => this.db('trunks').insert(trunkRow(input)).returning('*'));
    return toTrunk(row as Row);
  }
  async get(id: string): Promise<Trunk> {
    const row = await this.db('trunks').where({ id }).first() as Row | undefined;
    if (!row) throw new NotFoundError('trunk', id);
    return toTrunk(row);
  }
  async list(): Promise<Trunk[]> {
    return (await this.db('trunks').orderBy('name') as Row[]).map(toTrunk);
  }
  async update(id: string, patch: Partial<Omit<Trunk, 'id'>>): Promise<Trunk> {
    const [row] = await guard('trunk', () => this.db('trunks').where({ id }).update({ ...trunkRow(patch), updated_at: this.db.fn.now() }).returning('*'));
    if (!row) throw new NotFoundError('trunk', id);
    return toTrunk(row as Row);
  }
  async delete(id: string): Promise<void> {
    if ((await deleteCount(this.db('trunks').where({ id }))) === 0) throw new NotFoundError('trunk', id);
  }

  async saveDialPlan(input: { id?: string; name: string; description?: string; rules: DialPlanRule[] }): Promise<DialPlan> {
    checkDialPlanRules(input.rules);
    const id = await guard(`dial plan ${input.name}`, () => this.db.transaction(async (trx) => {
      let planId = input.id;
      if (planId) {
        const n = await trx('dial_plans').where({ id: planId }).update({ name: input.name, description: input.description ?? '', updated_at: trx.fn.now() }).returning('id');
        if (n.length === 0) throw new NotFoundError('dial plan', planId);
        await trx('dial_plan_rules').where({ dial_plan_id: planId }).delete();
      } else {
        const [row] = await trx('dial_plans').insert({ name: input.name, description: input.description ?? '' }).returning('id');
        planId = String((row as Row).id);
      }
      if (input.rules.length > 0) {
        await trx('dial_plan_rules').insert(input.rules.map((r, i) => ({
          dial_plan_id: planId, position: i, pattern: r.pattern, replacement: r.replacement, description: r.description,
        })));
      }
      return planId;
    }));
    return this.getDialPlan(id);
  }

  async getDialPlan(id: string): Promise<DialPlan> {
    const plan = await this.db('dial_plans').where({ id }).first() as Row | undefined;
    if (!plan) throw new NotFoundError('dial plan', id);
    const rules = await this.db('dial_plan_rules').where({ dial_plan_id: id }).orderBy('position') as Row[];
    return {
      id, name: String(plan.name), description: String(plan.description),
      rules: rules.map((r) => ({ pattern: String(r.pattern), replacement: String(r.replacement), description: String(r.description) })),
    };
  }

  async listDialPlans(): Promise<DialPlan[]> {
    const plans = await this.db('dial_plans').orderBy('name').select('id') as Row[];
    return Promise.all(plans.map((p) => this.getDialPlan(String(p.id))));
  }

  async deleteDialPlan(id: string): Promise<void> {
    if ((await deleteCount(this.db('dial_plans').where({ id }))) === 0) throw new NotFoundError('dial plan', id);
  }
}

export function toRate(r: Row): Rate {
  return {
    id: String(r.id), direction: r.direction as Direction, destinationClass: r.destination_class as DestinationClass,
    accessNumberId: strOrNull(r.access_number_id), prefix: strOrNull(r.prefix),
    perMinuteMinor: num(r.per_minute_minor), incrementS: num(r.increment_s),
  };
}

function rateRow(input: NewRate): Row {
  if (!Number.isInteger(input.perMinuteMinor) || input.perMinuteMinor < 0) throw new ValidationError('rate must be whole minor units ≥ 0', 'perMinuteMinor');
  const inc = input.incrementS ?? 60;
  if (!Number.isInteger(inc) || inc <= 0 || inc > 3600) throw new ValidationError('billing increment must be 1–3600 s', 'incrementS');
  if ((input.destinationClass === 'access_number') !== (input.direction === 'in')) {
    throw new ValidationError('dial-in rates are per access number; dial-out rates per destination class', 'destinationClass');
  }
  if ((input.destinationClass === 'webrtc') !== (input.direction === 'webrtc')) {
    throw new ValidationError('browser (webrtc) legs have one rate of class webrtc', 'destinationClass');
  }
  if (input.destinationClass === 'access_number' && !input.accessNumberId) throw new ValidationError('dial-in rate needs an access number', 'accessNumberId');
  const prefix = input.destinationClass === 'international' ? (input.prefix ?? null) : null;
  if (prefix !== null && !/^[1-9][0-9]{0,7}$/.test(prefix)) throw new ValidationError('prefix must be the digits of a country code', 'prefix');
  return {
    direction: input.direction, destination_class: input.destinationClass,
    access_number_id: input.destinationClass === 'access_number' ? input.accessNumberId : null,
    prefix, per_minute_minor: input.perMinuteMinor, increment_s: inc, description: input.description ?? '',
  };
}

export class KnexRateStore implements RateStore {
  constructor(private readonly db: Knex) {}
  async create(input: NewRate): Promise<Rate> {
    const [row] = await guard('a rate for this destination', () => this.db('rates').insert(rateRow(input)).returning('*'));
    return toRate(row as Row);
  }
  async upsert(input: NewRate): Promise<Rate> {
    const row = rateRow(input);
    const existing = await this.db('rates').where({ direction: row.direction, destination_class: row.destination_class })
      .andWhereRaw("coalesce(access_number_id::text, '') = ?", [String(row.access_number_id ?? '')])
      .andWhereRaw("coalesce(prefix, '') = ?", [String(row.prefix ?? '')]).first() as Row | undefined;
    if (!existing) return this.create(input);
    const [r] = await this.db('rates').where({ id: existing.id })
      .update({ per_minute_minor: row.per_minute_minor, increment_s: row.increment_s, description: row.description, updated_at: this.db.fn.now() })
      .returning('*');
    return toRate(r as Row);
  }
  async list(): Promise<Rate[]> {
    return (await this.db('rates').orderBy(['direction', 'destination_class', 'prefix']) as Row[]).map(toRate);
  }
  async update(id: string, patch: { perMinuteMinor?: number; incrementS?: number; description?: string }): Promise<Rate> {
    const set: Row = { updated_at: this.db.fn.now() };
    if (patch.perMinuteMinor !== undefined) {
      if (!Number.isInteger(patch.perMinuteMinor) || patch.perMinuteMinor < 0) throw new ValidationError('rate must be whole minor units ≥ 0', 'perMinuteMinor');
      set.per_minute_minor = patch.perMinuteMinor;
    }
    if (patch.incrementS !== undefined) {
      if (!Number.isInteger(patch.incrementS) || patch.incrementS <= 0 || patch.incrementS > 3600) throw new ValidationError('billing increment must be 1–3600 s', 'incrementS');
      set.increment_s = patch.incrementS;
    }
    if (patch.description !== undefined) set.description = patch.description;
    const [row] = await this.db('rates').where({ id }).update(set).returning('*');
    if (!row) throw new NotFoundError('rate', id);
    return toRate(row as Row);
  }
  async delete(id: string): Promise<void> {
    if ((await deleteCount(this.db('rates').where({ id }))) === 0) throw new NotFoundError('rate', id);
  }
}
