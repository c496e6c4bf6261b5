import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { date, dateOrNull, isUniqueViolation, num } from '../sql.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword, LOCKOUT_AFTER_FAILURES, LOCKOUT_MS } from './passwords.ts';
import type { LoginResult, NewUser, Role, User, UserScope, UserStore } from './store.ts';

type Row = Record<string, unknown>;

const USERNAME = /^[A-Za-z0-9._@-]{3,64}$/;

export function toUser(r: Row): User {
  return {
    id: String(r.id), accountId: r.account_id === null ? null : String(r.account_id), role: r.role as Role,
    username: String(r.username), displayName: String(r.display_name), email: r.email === null ? null : String(r.email),
    locale: String(r.locale), failedLogins: num(r.failed_logins), lockedUntil: dateOrNull(r.locked_until),
    lastLoginAt: dateOrNull(r.last_login_at), createdAt: date(r.created_at),
    frozenAt: dateOrNull(r.frozen_at), department: String(r.department ?? ''), phone: r.phone == null ? null : String(r.phone),
    invitedAt: dateOrNull(r.invited_at), hasPassword: r.password_hash != null,
  };
}

function scoped(q: Knex.QueryBuilder, scope: UserScope): Knex.QueryBuilder {
  return 'accountId' in scope ? q.where('account_id', scope.accountId) : q.whereNull('account_id');
}

export class KnexUserStore implements UserStore {
  constructor(private readonly db: Knex) {}

  async create(input: NewUser): Promise<User> {
    if (!USERNAME.test(input.username)) throw new ValidationError('username: 3–64 letters, digits or . _ @ -', 'username');
    if ((input.role === 'operator') !== (input.accountId === null)) throw new ValidationError('members belong to an account, operators to none', 'role');
    checkPasswordPolicy(input.password);
    try {
      const [row] = await this.db('users').insert({
        account_id: input.accountId, role: input.role, username: input.username.toLowerCase(),
        display_name: input.displayName ?? input.username, email: input.email ?? null, locale: input.locale ?? 'zh-CN',
        password_hash: await hashPassword(input.password),
      }).returning('*');
      return toUser(row as Row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`username ${input.username} is taken`, 'username');
      throw err;
    }
  }

  async get(scope: UserScope, id: string): Promise<User> {
    const row = await scoped(this.db('users').where({ id }), scope).first() as Row | undefined;
    if (!row) throw new NotFoundError('user', id);
    return toUser(row);
  }

  async findById(id: string): Promise<User | undefined> {
    const row = await this.db('users').where({ id }).first() as Row | undefined;
    return row ? toUser(row) : undefined;
  }

  async listByAccount(accountId: string): Promise<User[]> {
    return (await this.db('users').where({ account_id: accountId }).orderBy('username') as Row[]).map(toUser);
  }

  async authenticate(username: string, password: string, now: Date): Promise<LoginResult> {
    const row = await this.db('users').where({ username: username.toLowerCase() }).first() as Row | undefined;
    if (!row || row.password_hash == null) {
      await verifyPassword(await dummy(), password); // same work either way: no user enumeration by timing
      return { ok: false, reason: 'invalid' };
    }
    const user = toUser(row);
    if (user.lockedUntil && user.lockedUntil.getTime() > now.getTime()) return { ok: false, reason: 'locked', lockedUntil: user.lockedUntil };
    if (await verifyPassword(String(row.password_hash), password)) {
      if (user.frozenAt) return { ok: false, reason: 'frozen' }; // told only to who knows the password
      const [r] = await this.db('users').where({ id: user.id })
        .update({ failed_logins: 0, locked_until: null, last_login_at: now }).returning('*');
      return { ok: true, user: toUser(r as Row) };
    }
    // A lock that has run out starts a fresh count.
    const failures = (user.lockedUntil ? 0 : user.failedLogins) + 1;
    const lockedUntil = failures >= LOCKOUT_AFTER_FAILURES ? new Date(now.getTime() + LOCKOUT_MS) : null;
    await this.db('users').where({ id: user.id })
      .update({ failed_logins: lockedUntil ? 0 : failures, locked_until: lockedUntil });
    return lockedUntil ? { ok: false, reason: 'locked', lockedUntil } : { ok: false, reason: 'invalid' };
  }

  async changePassword(scope: UserScope, id: string, oldPassword: string, newPassword: string): Promise<void> {
    const row = await scoped(this.db('users').where({ id }), scope).first() as Row | undefined;
    if (!row) throw new NotFoundError('user', id);
    if (!(await verifyPassword(String(row.password_hash), oldPassword))) throw new ValidationError('current password is wrong', 'oldPassword');
    checkPasswordPolicy(newPassword);
    await this.db('users').where({ id }).update({ password_hash: await hashPassword(newPassword), updated_at: this.db.fn.now() });
  }

  async update(scope: UserScope, id: string, patch: { displayName?: string; email?: string | null; locale?: string }): Promise<User> {
    const set: Row = { updated_at: this.db.fn.now() };
    if (patch.displayName !== undefined) set.display_name = patch.displayName;
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.locale !== undefined) {
      if (!['zh-CN', 'en'].includes(patch.locale)) throw new ValidationError('locale must be zh-CN or en', 'locale');
      set.locale = patch.locale;
    }
    const [row] = await scoped(this.db('users').where({ id }), scope).update(set).returning('*');
    if (!row) throw new NotFoundError('user', id);
    return toUser(row as Row);
  }
}

// A real argon2id hash of a random secret, checked when the user does not exist.
let dummyHash: Promise<string> | undefined;
function dummy(): Promise<string> {
  dummyHash ??= hashPassword(randomUUID());
  return dummyHash;
}
