// Conferences (runs of a room), call legs (one CDR per leg), conference
// events, invites and recordings.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await createConferences(knex);
  await createCallLegs(knex);
  await createConferenceEvents(knex);
  await createInvites(knex);
  await createRecordings(knex);
}

/** Runs of a room. */
async function createConferences(knex: Knex): Promise<void> {
  await knex.schema.createTable('conferences', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts');
    t.uuid('room_id').nullable().references('id').inTable('rooms').onDelete('SET NULL');
    t.text('room_number').notNullable(); // kept for history after a room is deleted
    t.text('node_id').notNullable().defaultTo('local'); // bridge node hosting it (room affinity)
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.timestamp('occurrence_start', { useTz: true }).nullable(); // the scheduled run it belongs to
    t.timestamp('scheduled_end', { useTz: true }).nullable();
    t.integer('extended_minutes').notNullable().defaultTo(0);
    t.boolean('locked').notNullable().defaultTo(false);
    t.text('end_reason').nullable();
    t.timestamps(true, true, false);
    t.index(['room_id', 'started_at']);
    t.index(['account_id', 'started_at']);
  });
  // At most one live conference per room, across all nodes.
  await knex.raw('CREATE UNIQUE INDEX conferences_one_live_per_room ON conferences (room_id) WHERE ended_at IS NULL');
}

/** One CDR per call leg. */
async function createCallLegs(knex: Knex): Promise<void> {
  await knex.schema.createTable('call_legs', (t) => {
    t.uuid('id').primary(); // the leg UUID the journal assigns
    t.uuid('account_id').nullable().references('id').inTable('accounts'); // NULL: refused before a room was known
    t.uuid('conference_id').nullable().references('id').inTable('conferences').onDelete('SET NULL');
    t.uuid('room_id').nullable().references('id').inTable('rooms').onDelete('SET NULL');
    t.text('room_number').nullable();
    t.text('node_id').notNullable().defaultTo('local');
    t.text('direction').notNullable().checkIn(['in', 'out']);
    t.text('caller').notNullable();
    t.text('callee').notNullable();
    t.uuid('access_number_id').nullable().references('id').inTable('access_numbers').onDelete('SET NULL');
    t.text('access_number').nullable();
    t.text('destination_class').nullable();
    t.text('role').nullable();
    t.text('display_name').notNullable().defaultTo('');
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('answered_at', { useTz: true }).nullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.timestamp('last_checkpoint_at', { useTz: true }).nullable();
    t.integer('billable_seconds').nullable();
    t.integer('q850_cause').nullable();
    t.text('state').notNullable().defaultTo('open').checkIn(['open', 'closed']);
    t.boolean('closed_by_recovery').notNullable().defaultTo(false);
    t.uuid('rate_id').nullable().references('id').inTable('rates').onDelete('SET NULL');
    t.integer('rate_per_minute_minor').nullable();
    t.integer('increment_s').nullable();
    t.integer('billed_seconds').nullable();
    t.bigInteger('cost_minor').nullable();
    t.timestamp('charged_at', { useTz: true }).nullable(); // set once, when the cost left the balance
    t.timestamps(true, true, false);
    t.index(['account_id', 'started_at']); // call records by account and time range
    t.index(['conference_id']);
  });
  await knex.raw("CREATE INDEX call_legs_open ON call_legs (node_id) WHERE state = 'open'");
}

/** What happened in a conference: joins, mutes, locks, invites … */
async function createConferenceEvents(knex: Knex): Promise<void> {
  await knex.schema.createTable('conference_events', (t) => {
    t.bigIncrements('id');
    t.uuid('account_id').notNullable().references('id').inTable('accounts');
    t.uuid('conference_id').notNullable().references('id').inTable('conferences').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('kind').notNullable(); // join, leave, mute, lock, kick, record, invite, dtmf, operator …
    t.uuid('leg_id').nullable();
    t.text('actor').notNullable().defaultTo('');
    t.jsonb('data').notNullable().defaultTo('{}');
    t.index(['conference_id', 'at']);
  });
}

/** Calls placed into a conference (web, bulk, auto, phone). */
async function createInvites(knex: Knex): Promise<void> {
  await knex.schema.createTable('invites', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts');
    t.uuid('room_id').nullable().references('id').inTable('rooms').onDelete('SET NULL');
    t.uuid('conference_id').nullable().references('id').inTable('conferences').onDelete('SET NULL');
    t.uuid('contact_id').nullable().references('id').inTable('contacts').onDelete('SET NULL');
    t.text('target').notNullable(); // E.164 (optionally *ext) or SIP URI
    t.text('name').notNullable().defaultTo('');
    t.text('source').notNullable().checkIn(['web', 'bulk', 'auto', 'phone', 'video_link']);
    t.text('state').notNullable().defaultTo('queued')
      .checkIn(['queued', 'calling', 'ringing', 'answered', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed', 'ended']);
    t.integer('q850_cause').nullable();
    t.integer('sip_status').nullable();
    t.uuid('leg_id').nullable();
    t.text('requested_by').notNullable().defaultTo('');
    t.timestamps(true, true, false);
    t.index(['account_id', 'conference_id']);
    t.index(['room_id', 'created_at']);
  });
}

/** Recordings of conferences. */
async function createRecordings(knex: Knex): Promise<void> {
  await knex.schema.createTable('recordings', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts');
    t.uuid('conference_id').nullable().references('id').inTable('conferences').onDelete('SET NULL');
    t.uuid('room_id').nullable().references('id').inTable('rooms').onDelete('SET NULL');
    t.text('path').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.integer('duration_ms').nullable();
    t.bigInteger('size_bytes').nullable();
    t.timestamp('deleted_at', { useTz: true }).nullable();
    t.index(['account_id', 'started_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('recordings');
  await knex.schema.dropTable('invites');
  await knex.schema.dropTable('conference_events');
  await knex.schema.dropTable('call_legs');
  await knex.schema.dropTable('conferences');
}
