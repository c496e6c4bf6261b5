// Issue 19, members: several people in one account. Roles owner (the
// operator makes one per account; no member route makes or unmakes an owner;
// the schema does not forbid a second, as older data and tests have them),
// admin (the whole account) and organizer (their own rooms); operators keep
// belonging to no account. A member may be frozen (cannot log
// in, their rooms refuse callers), has a department and an E.164 phone, and
// an invited member has no password until they use their one-time link
// (only the link's SHA-256 is stored, with its expiry).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check');
  await knex.raw('ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_account');
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('owner', 'admin', 'organizer', 'operator'))`);
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_role_account CHECK ((role = 'operator') = (account_id IS NULL))`);
  await knex.raw('ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL');
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('frozen_at', { useTz: true }).nullable();
    t.text('department').notNullable().defaultTo('');
    t.text('phone').nullable();
    t.timestamp('invited_at', { useTz: true }).nullable();
    t.text('invite_token_hash').nullable().unique();
    t.timestamp('invite_expires_at', { useTz: true }).nullable();
  });
  await knex.raw('CREATE INDEX users_account_email ON users (account_id, lower(email))');
  await knex.raw('CREATE INDEX users_account_phone ON users (account_id, phone)');
  await knex.raw('CREATE INDEX rooms_organizer ON rooms (organizer_user_id)');
  await knex.raw('CREATE INDEX audit_log_account_user ON audit_log (account_id, user_id, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS audit_log_account_user');
  await knex.raw('DROP INDEX IF EXISTS rooms_organizer');
  await knex.raw('DROP INDEX IF EXISTS users_account_phone');
  await knex.raw('DROP INDEX IF EXISTS users_account_email');
  await knex('users').whereIn('role', ['admin', 'organizer']).delete();
  await knex.raw('ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumns('frozen_at', 'department', 'phone', 'invited_at', 'invite_token_hash', 'invite_expires_at');
  });
  await knex.raw('ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_account');
  await knex.raw('ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check');
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('owner', 'operator'))`);
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_role_account CHECK
    ((role = 'owner' AND account_id IS NOT NULL) OR (role = 'operator' AND account_id IS NULL))`);
}
