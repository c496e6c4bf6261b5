// Rooms, their schedules, templates, auto-invite lists and the convener
// numbers bound for multi-party calls.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rooms', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('kind').notNullable().defaultTo('meeting').checkIn(['meeting', 'personal']);
    t.text('number').notNullable().unique(); // platform-wide, 6–8 digits
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.uuid('organizer_user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.text('chair_pin').notNullable();
    t.text('guest_pin').notNullable().defaultTo(''); // '' = guests just press #
    t.boolean('chair_announce').notNullable().defaultTo(false);
    t.boolean('chair_record').notNullable().defaultTo(true);
    t.boolean('guest_announce').notNullable().defaultTo(false);
    t.boolean('guest_listen_only').notNullable().defaultTo(false);
    t.boolean('guest_wait_for_chair').notNullable().defaultTo(false);
    t.boolean('mute_on_entry').notNullable().defaultTo(false);
    t.boolean('auto_record').notNullable().defaultTo(false);
    t.integer('max_participants').notNullable();
    t.timestamps(true, true, false);
    t.index(['account_id']);
  });
  await knex.raw(`ALTER TABLE rooms ADD CONSTRAINT rooms_shape CHECK (
    number ~ '^[0-9]{6,8}$' AND chair_pin ~ '^[0-9]+$' AND guest_pin ~ '^[0-9]*$'
    AND chair_pin <> guest_pin AND max_participants > 0)`);

  // One schedule per room. Times are UTC; recurrence is evaluated in the
  // account's time zone on the wall-clock time of starts_at.
  await knex.schema.createTable('schedules', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.uuid('room_id').notNullable().unique().references('id').inTable('rooms').onDelete('CASCADE');
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.integer('duration_minutes').notNullable();
    t.text('rrule').nullable(); // RFC 5545 RRULE value, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10
    t.integer('early_entry_minutes').notNullable().defaultTo(10);
    t.integer('auto_extend_minutes').notNullable().defaultTo(0); // 0, 15, 30, 45, 60
    t.integer('reminder_minutes').nullable(); // e-mail reminder before each start
    t.timestamps(true, true, false);
    t.index(['account_id', 'starts_at']);
  });
  await knex.raw(`ALTER TABLE schedules ADD CONSTRAINT schedules_shape CHECK (
    duration_minutes > 0 AND early_entry_minutes >= 0 AND auto_extend_minutes IN (0, 15, 30, 45, 60)
    AND (reminder_minutes IS NULL OR reminder_minutes >= 0))`);

  await knex.schema.createTable('room_auto_invites', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.uuid('room_id').notNullable().references('id').inTable('rooms').onDelete('CASCADE');
    t.text('target').notNullable(); // E.164 number (optionally *ext) or SIP URI
    t.text('name').notNullable().defaultTo('');
    t.unique(['room_id', 'target']);
  });

  await knex.schema.createTable('templates', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('name').notNullable();
    t.boolean('is_default').notNullable().defaultTo(false);
    t.jsonb('settings').notNullable(); // room options and schedule defaults
    t.timestamps(true, true, false);
    t.unique(['account_id', 'name']);
  });
  await knex.raw('CREATE UNIQUE INDEX templates_one_default ON templates (account_id) WHERE is_default');

  await knex.schema.createTable('convener_bindings', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('number').notNullable().unique(); // E.164; one account per calling number
    t.uuid('user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.uuid('room_id').notNullable().references('id').inTable('rooms').onDelete('CASCADE'); // personal room
    t.text('name').notNullable().defaultTo('');
    t.timestamps(true, true, false);
    t.index(['account_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('convener_bindings');
  await knex.schema.dropTable('templates');
  await knex.schema.dropTable('room_auto_invites');
  await knex.schema.dropTable('schedules');
  await knex.schema.dropTable('rooms');
}
