// API tokens in PostgreSQL/PGlite (table api_tokens, migration 018).
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { date, dateOrNull, isUniqueViolation } from '../sql.ts';
import {
  LAST_USED_EVERY_MS, MAX_ACTIVE_TOKENS, MAX_TOKEN_DAYS, TOKEN_SCOPES,
  type ApiToken, type ApiTokenStore, type NewApiToken, type TokenScope,
} from './store.ts';
import { newTokenParts, parseToken, secretHash, secretMatches, tokenString } from './token-string.ts';

type Row = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;

/** text[] comes back as an array from node-postgres and PGlite. */
function scopesOf(v: unknown): TokenScope[] {
  const arr = Array.isArray(v) ? v : String(v).replace(/^\{|\}$/g, '').split(',');
  return arr.map(String).filter((s): s is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(s));
}

function toToken(r: Row): ApiToken {
  return {
    id: String(r.id), accountId: String(r.account_id), createdBy: String(r.created_by), name: String(r.name), scopes: scopesOf(r.scopes),
    prefix: String(r.prefix), expiresAt: date(r.expires_at), revokedAt: dateOrNull(r.revoked_at), lastUsedAt: dateOrNull(r.last_used_at),
    lastUsedIp: r.last_used_ip === null ? null : String(r.last_used_ip), createdAt: date(r.created_at),
  };
}

function checkInput(input: NewApiToken): TokenScope[] {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) throw new ValidationError('name: 1–100 characters', 'name');
  const scopes = [...new Set(input.scopes)];
  if (scopes.length === 0 || scopes.some((s) => !(TOKEN_SCOPES as readonly string[]).includes(s))) {
    throw new ValidationError(`scopes: one or more of ${TOKEN_SCOPES.join(', ')}`, 'scopes');
  }
  const life = input.expiresAt.getTime() - input.now.getTime();
  if (!(life > 0) || life > MAX_TOKEN_DAYS * DAY_MS) throw new ValidationError(`expiresAt: in the future, at most ${MAX_TOKEN_DAYS} days ahead`, 'expiresAt');
  return TOKEN_SCOPES.filter((s) => scopes.includes(s));
}

export class KnexApiTokenStore implements ApiTokenStore {
  constructor(private readonly db: Knex) {}

  async create(accountId: string, input: NewApiToken): Promise<{ token: ApiToken; plaintext: string }> {
    const scopes = checkInput(input);
    const [counted] = await this.db('api_tokens').where({ account_id: accountId }).whereNull('revoked_at')
      .where('expires_at', '>', input.now).count({ n: '*' }) as Array<{ n: unknown }>;
    if (Number(counted?.n ?? 0) >= MAX_ACTIVE_TOKENS) throw new ConflictError(`at most ${MAX_ACTIVE_TOKENS} active tokens per account: revoke one first`);
    // The prefix is random and unique: a clash (1 in 10^12) takes another.
    for (let attempt = 1; ; attempt++) {
      const parts = newTokenParts();
      try {
        const [row] = await this.db('api_tokens').insert({
          account_id: accountId, created_by: input.createdBy, name: input.name.trim(), scopes, prefix: parts.prefix,
          secret_hash: secretHash(parts.secret), expires_at: input.expiresAt, created_at: input.now,
        }).returning('*') as Row[];
        return { token: toToken(row!), plaintext: tokenString(parts) };
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= 3) throw err;
      }
    }
  }

  async list(accountId: string): Promise<ApiToken[]> {
    return (await this.db('api_tokens').where({ account_id: accountId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]) as Row[]).map(toToken);
  }

  async get(accountId: string, id: string): Promise<ApiToken> {
    if (!UUID.test(id)) throw new NotFoundError('token', id);
    const row = await this.db('api_tokens').where({ account_id: accountId, id }).first() as Row | undefined;
    if (!row) throw new NotFoundError('token', id);
    return toToken(row);
  }

  async revoke(accountId: string, id: string, now: Date): Promise<ApiToken> {
    if (!UUID.test(id)) throw new NotFoundError('token', id);
    const [row] = await this.db('api_tokens').where({ account_id: accountId, id })
      .update({ revoked_at: this.db.raw('coalesce(revoked_at, ?)', [now]) }).returning('*') as Row[];
    if (!row) throw new NotFoundError('token', id);
    return toToken(row);
  }

  async verify(presented: string): Promise<ApiToken | undefined> {
    const parts = parseToken(presented);
    if (!parts) return undefined;
    const row = await this.db('api_tokens').where({ prefix: parts.prefix }).first() as Row | undefined;
    if (!row || !secretMatches(parts.secret, String(row.secret_hash))) return undefined;
    return toToken(row);
  }

  async noteUse(id: string, ip: string | null, now: Date): Promise<void> {
    const before = new Date(now.getTime() - LAST_USED_EVERY_MS);
    await this.db('api_tokens').where({ id })
      .where((q) => { q.whereNull('last_used_at').orWhere('last_used_at', '<=', before); })
      .update({ last_used_at: now, last_used_ip: ip === null ? null : ip.slice(0, 64) });
  }
}
