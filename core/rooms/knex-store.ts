import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { checkDtmf } from '../phone/dtmf.ts';
import { date, deleteCount, isUniqueViolation, num, numOrNull } from '../sql.ts';
import { resolveMaxParticipants, type Tier } from '../accounts/tiers.ts';
import { validateSchedule } from '../schedule/room-window.ts';
import { allocateRoomNumber, validateRoomNumber, type RandomInt } from './room-number.ts';
import { generatePins, validatePins } from './pins.ts';
import {
  DEFAULT_ROOM_OPTIONS, type AutoInvite, type NewRoom, type Room, type RoomKind, type RoomOptions, type RoomPatch,
  type RoomStore, type Schedule, type Template, type TemplateSettings, type TemplateStore,
} from './store.ts';

type Row = Record<string, unknown>;

const OPTION_COLUMNS: Record<keyof RoomOptions, string> = {
  chairAnnounce: 'chair_announce', chairRecord: 'chair_record', guestAnnounce: 'guest_announce',
  guestListenOnly: 'guest_listen_only', guestWaitForChair: 'guest_wait_for_chair', muteOnEntry: 'mute_on_entry', autoRecord: 'auto_record',
  endWhenLastChairLeaves: 'end_when_last_chair_leaves', inviteConfirm: 'invite_confirm', guestsMayInvite: 'guests_may_invite',
};

const AUTO_EXTEND = [0, 15, 30, 45, 60];

function toRoom(r: Row): Room {
  const options = {} as RoomOptions;
  for (const [k, col] of Object.entries(OPTION_COLUMNS)) options[k as keyof RoomOptions] = Boolean(r[col]);
  return {
    id: String(r.id), accountId: String(r.account_id), kind: r.kind as RoomKind, number: String(r.number), name: String(r.name),
    description: String(r.description), organizerUserId: r.organizer_user_id === null ? null : String(r.organizer_user_id),
    chairPin: String(r.chair_pin), guestPin: String(r.guest_pin), options, maxParticipants: num(r.max_participants),
    schedule: {
      startsAt: date(r.starts_at), durationMinutes: num(r.duration_minutes), rrule: r.rrule === null ? null : String(r.rrule),
      earlyEntryMinutes: num(r.early_entry_minutes), autoExtendMinutes: num(r.auto_extend_minutes), reminderMinutes: numOrNull(r.reminder_minutes),
    },
    createdAt: date(r.created_at), updatedAt: date(r.updated_at),
  };
}

function optionColumns(o: Partial<RoomOptions>): Row {
  const row: Row = {};
  for (const [k, col] of Object.entries(OPTION_COLUMNS)) {
    const v = o[k as keyof RoomOptions];
    if (v !== undefined) row[col] = Boolean(v);
  }
  return row;
}

function scheduleColumns(s: Schedule): Row {
  return {
    starts_at: s.startsAt, duration_minutes: s.durationMinutes, rrule: s.rrule?.trim().replace(/^RRULE:/i, '') ?? null,
    early_entry_minutes: s.earlyEntryMinutes, auto_extend_minutes: s.autoExtendMinutes, reminder_minutes: s.reminderMinutes,
  };
}

function checkSchedule(s: Schedule, timeZone: string): void {
  validateSchedule(s, timeZone);
  if (!AUTO_EXTEND.includes(s.autoExtendMinutes)) throw new ValidationError('auto-extend must be 0, 15, 30, 45 or 60 minutes', 'autoExtendMinutes');
  if (s.reminderMinutes !== null && (!Number.isInteger(s.reminderMinutes) || s.reminderMinutes < 0)) {
    throw new ValidationError('reminder must be whole minutes ≥ 0', 'reminderMinutes');
  }
}

function checkName(name: string): string {
  const n = name.trim();
  if (n.length === 0 || n.length > 200) throw new ValidationError('room name must be 1–200 characters', 'name');
  return n;
}

const ROOM_SELECT = ['rooms.*', 'schedules.starts_at', 'schedules.duration_minutes', 'schedules.rrule', 'schedules.early_entry_minutes',
  'schedules.auto_extend_minutes', 'schedules.reminder_minutes'];

export interface RoomStoreOptions {
  random?: RandomInt;
  /** Digits in generated room numbers (6–8, default 8). */
  numberLength?: number;
  /** Digits in generated PINs (4–8, default 6). */
  pinLength?: number;
}

export class KnexRoomStore implements RoomStore {
  constructor(private readonly db: Knex, private readonly opts: RoomStoreOptions = {}) {}

  private base(db: Knex | Knex.Transaction = this.db): Knex.QueryBuilder {
    return db('rooms').join('schedules', 'schedules.room_id', 'rooms.id').select(ROOM_SELECT);
  }

  async create(accountId: string, input: NewRoom, ctx: { now: Date }): Promise<Room> {
    const name = checkName(input.name);
    // A generated number can still lose a race with another node: retry a few times.
    for (let attempt = 0; ; attempt++) {
      const number = input.number ?? await allocateRoomNumber((n) => this.numberTaken(n), {
        ...(this.opts.random ? { random: this.opts.random } : {}), length: this.opts.numberLength ?? 8,
      });
      try {
        return await this.insertRoom(accountId, { ...input, name, number }, ctx);
      } catch (err) {
        if (isUniqueViolation(err, 'rooms_number_unique')) {
          if (input.number !== undefined) throw new ConflictError(`room number ${input.number} is taken`, 'number');
          if (attempt < 4) continue;
        }
        throw err;
      }
    }
  }

  private async numberTaken(n: string): Promise<boolean> {
    return (await this.db('rooms').where({ number: n }).first('id')) !== undefined;
  }

  private async insertRoom(accountId: string, input: NewRoom & { number: string }, ctx: { now: Date }): Promise<Room> {
    validateRoomNumber(input.number);
    return this.db.transaction(async (trx) => {
      const acc = await trx('accounts').where({ id: accountId }).first('tier', 'time_zone') as Row | undefined;
      if (!acc) throw new NotFoundError('account', accountId);
      const tpl = await loadTemplate(trx, accountId, input.templateId);
      const generated = generatePins(this.opts.pinLength ?? 6, this.opts.random);
      const pins = { chairPin: input.chairPin ?? generated.chairPin, guestPin: input.guestPin ?? generated.guestPin };
      if (pins.chairPin === pins.guestPin && input.guestPin === undefined) pins.guestPin = generated.chairPin;
      validatePins(pins);
      const schedule: Schedule = {
        startsAt: input.schedule?.startsAt ?? ctx.now,
        durationMinutes: input.schedule?.durationMinutes ?? tpl?.durationMinutes ?? 60,
        rrule: input.schedule?.rrule !== undefined ? input.schedule.rrule : (tpl?.rrule ?? null),
        earlyEntryMinutes: input.schedule?.earlyEntryMinutes ?? tpl?.earlyEntryMinutes ?? 10,
        autoExtendMinutes: input.schedule?.autoExtendMinutes ?? tpl?.autoExtendMinutes ?? 0,
        reminderMinutes: input.schedule?.reminderMinutes !== undefined ? input.schedule.reminderMinutes : (tpl?.reminderMinutes ?? null),
      };
      checkSchedule(schedule, String(acc.time_zone));
      const max = resolveMaxParticipants(acc.tier as Tier, input.maxParticipants ?? tpl?.maxParticipants);
      const [room] = await trx('rooms').insert({
        account_id: accountId, kind: input.kind ?? 'meeting', number: input.number, name: input.name,
        description: input.description ?? tpl?.description ?? '', organizer_user_id: input.organizerUserId ?? null,
        chair_pin: pins.chairPin, guest_pin: pins.guestPin, max_participants: max,
        ...optionColumns({ ...DEFAULT_ROOM_OPTIONS, ...tpl?.options, ...input.options }),
      }).returning('id');
      const roomId = String((room as Row).id);
      await trx('schedules').insert({ account_id: accountId, room_id: roomId, ...scheduleColumns(schedule) });
      return toRoom(await this.base(trx).where('rooms.id', roomId).first() as Row);
    });
  }

  async get(accountId: string, id: string): Promise<Room> {
    const row = await this.base().where({ 'rooms.id': id, 'rooms.account_id': accountId }).first() as Row | undefined;
    if (!row) throw new NotFoundError('room', id);
    return toRoom(row);
  }

  async list(accountId: string): Promise<Room[]> {
    return (await this.base().where('rooms.account_id', accountId).orderBy('rooms.created_at') as Row[]).map(toRoom);
  }

  async update(accountId: string, id: string, patch: RoomPatch): Promise<Room> {
    try {
      return await this.db.transaction(async (trx) => {
        const cur = await this.base(trx).where({ 'rooms.id': id, 'rooms.account_id': accountId }).forUpdate('rooms').first() as Row | undefined;
        if (!cur) throw new NotFoundError('room', id);
        const room = toRoom(cur);
        const acc = await trx('accounts').where({ id: accountId }).first('tier', 'time_zone') as Row;
        const set: Row = { updated_at: trx.fn.now() };
        if (patch.name !== undefined) set.name = checkName(patch.name);
        if (patch.number !== undefined) { validateRoomNumber(patch.number); set.number = patch.number; }
        if (patch.chairPin !== undefined || patch.guestPin !== undefined) {
          const pins = { chairPin: patch.chairPin ?? room.chairPin, guestPin: patch.guestPin ?? room.guestPin };
          validatePins(pins);
          set.chair_pin = pins.chairPin;
          set.guest_pin = pins.guestPin;
        }
        if (patch.description !== undefined) set.description = patch.description;
        if (patch.organizerUserId !== undefined) set.organizer_user_id = patch.organizerUserId;
        if (patch.options) Object.assign(set, optionColumns(patch.options));
        if (patch.maxParticipants !== undefined) set.max_participants = resolveMaxParticipants(acc.tier as Tier, patch.maxParticipants);
        await trx('rooms').where({ id, account_id: accountId }).update(set);
        if (patch.schedule) {
          const s: Schedule = { ...room.schedule, ...patch.schedule };
          checkSchedule(s, String(acc.time_zone));
          await trx('schedules').where({ room_id: id, account_id: accountId }).update({ ...scheduleColumns(s), updated_at: trx.fn.now() });
        }
        return toRoom(await this.base(trx).where('rooms.id', id).first() as Row);
      });
    } catch (err) {
      if (isUniqueViolation(err, 'rooms_number_unique')) throw new ConflictError(`room number ${patch.number ?? ''} is taken`, 'number');
      throw err;
    }
  }

  async delete(accountId: string, id: string): Promise<void> {
    if ((await deleteCount(this.db('rooms').where({ id, account_id: accountId }))) === 0) throw new NotFoundError('room', id);
  }

  async findByNumber(number: string): Promise<Room | undefined> {
    if (!/^[0-9]{1,16}$/.test(number)) return undefined;
    const row = await this.base().where('rooms.number', number).first() as Row | undefined;
    return row ? toRoom(row) : undefined;
  }

  async setAutoInvites(accountId: string, roomId: string, invites: Array<{ target: string; name?: string; dtmf?: string }>): Promise<AutoInvite[]> {
    await this.db.transaction(async (trx) => {
      const room = await trx('rooms').where({ id: roomId, account_id: accountId }).first('id');
      if (!room) throw new NotFoundError('room', roomId);
      await trx('room_auto_invites').where({ room_id: roomId, account_id: accountId }).delete();
      const unique = [...new Map(invites.map((i) => [i.target, i])).values()];
      if (unique.length > 0) {
        await trx('room_auto_invites').insert(unique.map((i) => ({ account_id: accountId, room_id: roomId, target: i.target, name: i.name ?? '', dtmf: checkDtmf(i.dtmf) })));
      }
    });
    return this.listAutoInvites(accountId, roomId);
  }

  async listAutoInvites(accountId: string, roomId: string): Promise<AutoInvite[]> {
    const rows = await this.db('room_auto_invites').where({ room_id: roomId, account_id: accountId }).orderBy('name') as Row[];
    return rows.map((r) => ({ id: String(r.id), target: String(r.target), name: String(r.name), dtmf: String(r.dtmf ?? '') }));
  }
}

async function loadTemplate(trx: Knex.Transaction, accountId: string, templateId: string | undefined): Promise<TemplateSettings | undefined> {
  const q = trx('templates').where({ account_id: accountId });
  const row = await (templateId ? q.where({ id: templateId }) : q.where({ is_default: true })).first() as Row | undefined;
  if (templateId && !row) throw new NotFoundError('template', templateId);
  return row ? row.settings as TemplateSettings : undefined;
}

function toTemplate(r: Row): Template {
  return { id: String(r.id), accountId: String(r.account_id), name: String(r.name), isDefault: Boolean(r.is_default), settings: r.settings as TemplateSettings };
}

export class KnexTemplateStore implements TemplateStore {
  constructor(private readonly db: Knex) {}

  async create(accountId: string, input: { name: string; settings: TemplateSettings; isDefault?: boolean }): Promise<Template> {
    if (input.name.trim().length === 0) throw new ValidationError('template name is empty', 'name');
    try {
      return await this.db.transaction(async (trx) => {
        if (input.isDefault) await trx('templates').where({ account_id: accountId, is_default: true }).update({ is_default: false });
        const [row] = await trx('templates').insert({
          account_id: accountId, name: input.name.trim(), is_default: input.isDefault ?? false, settings: JSON.stringify(input.settings),
        }).returning('*');
        return toTemplate(row as Row);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`template ${input.name} exists`, 'name');
      throw err;
    }
  }

  async createFromRoom(accountId: string, roomId: string, name: string, isDefault = false): Promise<Template> {
    const room = await new KnexRoomStore(this.db).get(accountId, roomId);
    const s = room.schedule;
    return this.create(accountId, {
      name, isDefault,
      settings: {
        options: room.options, maxParticipants: room.maxParticipants, durationMinutes: s.durationMinutes, rrule: s.rrule,
        earlyEntryMinutes: s.earlyEntryMinutes, autoExtendMinutes: s.autoExtendMinutes, reminderMinutes: s.reminderMinutes,
        description: room.description,
      },
    });
  }

  async get(accountId: string, id: string): Promise<Template> {
    const row = await this.db('templates').where({ id, account_id: accountId }).first() as Row | undefined;
    if (!row) throw new NotFoundError('template', id);
    return toTemplate(row);
  }

  async list(accountId: string): Promise<Template[]> {
    return (await this.db('templates').where({ account_id: accountId }).orderBy('name') as Row[]).map(toTemplate);
  }

  async getDefault(accountId: string): Promise<Template | undefined> {
    const row = await this.db('templates').where({ account_id: accountId, is_default: true }).first() as Row | undefined;
    return row ? toTemplate(row) : undefined;
  }

  async update(accountId: string, id: string, patch: { name?: string; settings?: TemplateSettings; isDefault?: boolean }): Promise<Template> {
    return this.db.transaction(async (trx) => {
      const cur = await trx('templates').where({ id, account_id: accountId }).first('id');
      if (!cur) throw new NotFoundError('template', id);
      if (patch.isDefault) await trx('templates').where({ account_id: accountId, is_default: true }).update({ is_default: false });
      const set: Row = { updated_at: trx.fn.now() };
      if (patch.name !== undefined) set.name = patch.name.trim();
      if (patch.settings !== undefined) set.settings = JSON.stringify(patch.settings);
      if (patch.isDefault !== undefined) set.is_default = patch.isDefault;
      const [row] = await trx('templates').where({ id, account_id: accountId }).update(set).returning('*');
      return toTemplate(row as Row);
    });
  }

  async delete(accountId: string, id: string): Promise<void> {
    if ((await deleteCount(this.db('templates').where({ id, account_id: accountId }))) === 0) throw new NotFoundError('template', id);
  }
}
