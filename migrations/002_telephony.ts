// Platform telephony set-up kept by operators: dial plans, trunks, access
// numbers, and the rates calls are billed at.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dial_plans', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.text('name').notNullable().unique();
    t.text('description').notNullable().defaultTo('');
    t.timestamps(true, true, false);
  });
  // Ordered rewrite rules: the first rule whose pattern (a JS regular
  // expression over the E.164 number, '+' included) matches is applied.
  await knex.schema.createTable('dial_plan_rules', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('dial_plan_id').notNullable().references('id').inTable('dial_plans').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.text('pattern').notNullable();
    t.text('replacement').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.unique(['dial_plan_id', 'position']);
  });
  await knex.schema.createTable('trunks', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.text('name').notNullable().unique();
    t.text('host').notNullable();
    t.integer('port').notNullable().defaultTo(5060);
    t.text('transport').notNullable().defaultTo('udp').checkIn(['udp', 'tcp']);
    t.text('auth_username').nullable();
    t.text('auth_password').nullable();
    t.text('caller_id').nullable();
    t.integer('max_concurrent').notNullable().defaultTo(30);
    t.integer('max_calls_per_second').notNullable().defaultTo(5);
    t.uuid('dial_plan_id').nullable().references('id').inTable('dial_plans').onDelete('SET NULL');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamps(true, true, false);
  });
  await knex.schema.createTable('access_numbers', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.text('number').notNullable().unique(); // as the carrier presents it in the Request-URI
    t.text('kind').notNullable().checkIn(['meeting', 'multi_party']);
    t.text('language').notNullable().defaultTo('zh-CN').checkIn(['zh-CN', 'en']);
    t.text('description').notNullable().defaultTo('');
    t.uuid('trunk_id').nullable().references('id').inTable('trunks').onDelete('SET NULL');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamps(true, true, false);
  });
  await knex.schema.createTable('rates', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.text('direction').notNullable().checkIn(['in', 'out']);
    t.text('destination_class').notNullable()
      .checkIn(['access_number', 'domestic_fixed', 'domestic_mobile', 'international']);
    // Dial-in: the access number the rate applies to.
    t.uuid('access_number_id').nullable().references('id').inTable('access_numbers').onDelete('CASCADE');
    // International: a digit prefix of the E.164 number (country code, or
    // longer); NULL is the default for countries without their own rate.
    t.text('prefix').nullable();
    t.integer('per_minute_minor').notNullable();
    t.integer('increment_s').notNullable().defaultTo(60);
    t.text('description').notNullable().defaultTo('');
    t.timestamps(true, true, false);
  });
  await knex.raw(`ALTER TABLE rates ADD CONSTRAINT rates_shape CHECK (
    per_minute_minor >= 0 AND increment_s > 0 AND
    ((destination_class = 'access_number') = (direction = 'in')) AND
    (destination_class = 'international' OR prefix IS NULL) AND
    (destination_class = 'access_number' OR access_number_id IS NULL))`);
  // One rate per destination; also what the rating engine's lookup assumes.
  await knex.raw(`CREATE UNIQUE INDEX rates_destination_key ON rates
    (direction, destination_class, coalesce(access_number_id::text, ''), coalesce(prefix, ''))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rates');
  await knex.schema.dropTable('access_numbers');
  await knex.schema.dropTable('trunks');
  await knex.schema.dropTable('dial_plan_rules');
  await knex.schema.dropTable('dial_plans');
}
