// Listen-in links in PostgreSQL/PGlite (table listen_links, migration 021).
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../errors.ts';
import { date, dateOrNull } from '../sql.ts';
import {
  LISTEN_LINK_MAX_DAYS, LISTEN_MAX_LISTENERS, LISTEN_PASSWORD_MAX, LISTEN_PASSWORD_MIN,
  type ListenLink, type ListenLinkStore, type ListenRefusal, type NewListenLink,
} from './store.ts';

type Row = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMNS = ['id', 'account_id', 'room_id', 'expires_at', 'max_listeners', 'created_by', 'created_at', 'revoked_at'];

function toLink(r: Row): ListenLink {
  return {
    id: String(r.id), accountId: String(r.account_id), roomId: String(r.room_id), expiresAt: date(r.expires_at), maxListeners: Number(r.max_listeners),
    createdBy: r.created_by === null ? null : String(r.created_by), createdAt: date(r.created_at), revokedAt: dateOrNull(r.revoked_at),
  };
}

function checkInput(i: NewListenLink): void {
  if (i.password.length < LISTEN_PASSWORD_MIN || i.password.length > LISTEN_PASSWORD_MAX) {
    throw new ValidationError(`password: ${LISTEN_PASSWORD_MIN}–${LISTEN_PASSWORD_MAX} characters`, 'password');
  }
  const life = i.expiresAt.getTime() - i.now.getTime();
  if (!(life > 0) || life > LISTEN_LINK_MAX_DAYS * 86_400_000) throw new ValidationError(`expiry: in the future, at most ${LISTEN_LINK_MAX_DAYS} days ahead`, 'expiresAt');
  if (!Number.isInteger(i.maxListeners) || i.maxListeners < 1 || i.maxListeners > LISTEN_MAX_LISTENERS) {
    throw new ValidationError(`most listeners: 1–${LISTEN_MAX_LISTENERS}`, 'maxListeners');
  }
}

export class KnexListenLinkStore implements ListenLinkStore {
  constructor(private readonly db: Knex) {}

  async create(i: NewListenLink): Promise<ListenLink> {
    checkInput(i);
    const hash = await argon2.hash(i.password, { type: argon2.argon2id });
    const [row] = await this.db('listen_links').insert({
      account_id: i.accountId, room_id: i.roomId, password_hash: hash, expires_at: i.expiresAt, max_listeners: i.maxListeners, created_by: i.createdBy,
    }).returning(COLUMNS) as Row[];
    return toLink(row!);
  }

  async list(accountId: string, roomId: string): Promise<ListenLink[]> {
    const rows = await this.db('listen_links').where({ account_id: accountId, room_id: roomId }).orderBy('created_at', 'desc').limit(200).select(COLUMNS) as Row[];
    return rows.map(toLink);
  }

  async revoke(accountId: string, roomId: string, id: string, at: Date): Promise<ListenLink> {
    if (!UUID.test(id)) throw new NotFoundError('listen link', id);
    await this.db('listen_links').where({ id, account_id: accountId, room_id: roomId }).whereNull('revoked_at').update({ revoked_at: at });
    const row = await this.db('listen_links').where({ id, account_id: accountId, room_id: roomId }).first(COLUMNS) as Row | undefined;
    if (!row) throw new NotFoundError('listen link', id);
    return toLink(row);
  }

  async find(id: string): Promise<ListenLink | undefined> {
    if (!UUID.test(id)) return undefined;
    const row = await this.db('listen_links').where({ id }).first(COLUMNS) as Row | undefined;
    return row ? toLink(row) : undefined;
  }

  async check(id: string, password: string, now: Date): Promise<{ ok: true; link: ListenLink } | { ok: false; reason: ListenRefusal }> {
    if (!UUID.test(id)) return { ok: false, reason: 'wrong_password' };
    const row = await this.db('listen_links').where({ id }).first([...COLUMNS, 'password_hash']) as Row | undefined;
    // An unknown link costs a hash too, so the time does not tell which links exist.
    const hash = row ? String(row.password_hash) : await dummyHash();
    const good = await argon2.verify(hash, password.slice(0, LISTEN_PASSWORD_MAX)).catch(() => false);
    if (!row || !good) return { ok: false, reason: 'wrong_password' };
    const link = toLink(row);
    if (link.revokedAt) return { ok: false, reason: 'revoked' };
    if (link.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, link };
  }
}

/** argon2id of a random string nobody knows, made once per process. */
let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= argon2.hash(randomBytes(16).toString('hex'), { type: argon2.argon2id });
  return dummy;
}
