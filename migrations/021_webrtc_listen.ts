// Issue 17 (the browser as an endpoint):
// call_legs.direction and rates.direction take 'webrtc': a browser's leg
// through the WebRTC gateway has its own CDR direction and is rated by its own
// rate (destination class 'webrtc', one per platform: no access number, no
// prefix). listen_links: the owner's listen-in links to a room — an argon2id
// password hash, an expiry, the most listeners at once, who made it, and
// revoked_at once revoked (kept for the audit, never answered again).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE call_legs DROP CONSTRAINT call_legs_direction_check');
  await knex.raw("ALTER TABLE call_legs ADD CONSTRAINT call_legs_direction_check CHECK (direction IN ('in', 'out', 'webrtc'))");
  await knex.raw('ALTER TABLE rates DROP CONSTRAINT rates_direction_check');
  await knex.raw("ALTER TABLE rates ADD CONSTRAINT rates_direction_check CHECK (direction IN ('in', 'out', 'webrtc'))");
  await knex.raw('ALTER TABLE rates DROP CONSTRAINT rates_destination_class_check');
  await knex.raw(`ALTER TABLE rates ADD CONSTRAINT rates_destination_class_check
    CHECK (destination_class IN ('access_number', 'domestic_fixed', 'domestic_mobile', 'international', 'webrtc'))`);
  await knex.raw('ALTER TABLE rates DROP CONSTRAINT rates_shape');
  await knex.raw(`ALTER TABLE rates ADD CONSTRAINT rates_shape CHECK (
    per_minute_minor >= 0 AND increment_s > 0 AND
    ((destination_class = 'access_number') = (direction = 'in')) AND
    ((destination_class = 'webrtc') = (direction = 'webrtc')) AND
    (destination_class = 'international' OR prefix IS NULL) AND
    (destination_class = 'access_number' OR access_number_id IS NULL))`);
  await knex.schema.createTable('listen_links', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.uuid('room_id').notNullable().references('id').inTable('rooms').onDelete('CASCADE');
    t.text('password_hash').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.integer('max_listeners').notNullable();
    t.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
  await knex.raw('ALTER TABLE listen_links ADD CONSTRAINT listen_links_max CHECK (max_listeners BETWEEN 1 AND 10000)');
  await knex.raw('CREATE INDEX listen_links_room ON listen_links (account_id, room_id, created_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('listen_links');
  await knex('rates').where({ direction: 'webrtc' }).delete();
  await knex('call_legs').where({ direction: 'webrtc' }).update({ direction: 'in' });
  await knex.raw('ALTER TABLE rates DROP CONSTRAINT rates_shape');
  await knex.raw(`ALTER TABLE rates ADD CONSTRAINT rates_shape CHECK (
    per_minute_minor >= 0 AND increment_s > 0 AND
    ((destination_class = 'access_number') = (direction = 'in')) AND
    (destination_class = 'international' OR prefix IS NULL) AND
    (destination_class = 'access_number' OR access_number_id IS NULL))`);
  await knex.raw('ALTER TABLE rates DROP CONSTRAINT rates_destination_class_check');
  await knex.raw("ALTER TABLE rates ADD CONSTRAINT rates_destination_class_check CHECK (destination_class IN ('access_number', 'domestic_fixed', 'domestic_mobile', 'international'))");
  await knex.raw('ALTER TABLE rates DROP CONSTRAINT rates_direction_check');
  await knex.raw("ALTER TABLE rates ADD CONSTRAINT rates_direction_check CHECK (direction IN ('in', 'out'))");
  await knex.raw('ALTER TABLE call_legs DROP CONSTRAINT call_legs_direction_check');
  await knex.raw("ALTER TABLE call_legs ADD CONSTRAINT call_legs_direction_check CHECK (direction IN ('in', 'out'))");
}
