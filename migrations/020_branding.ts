// Issue 19 (branding): an account's logo, colours and slogan.
// branding_logos: logo files by the SHA-256 of their bytes (the same file
// uploaded twice is kept once). A logo stays while a queued mail may still
// need it inline (mail_outbox.inline names it), so a new upload or a reset
// does not pull it from under a mail waiting for a retry.
// account_branding: one row per branded account (no row: the default look).
// public_token is random (128 bits) and changes on every change of the row:
// it names the public logo and stylesheet URLs (/branding/<token>/…), so
// those can be cached for good and an old URL stops answering.
// mail_outbox.html and .inline: the HTML part of a mail and its inline images
// ([{cid, sha256, contentType, filename}]), kept for the retries.
import type { Knex } from 'knex';

/** As core/branding (a migration keeps its own copies: they must not change later). */
const SLOGAN_MAX = 80;
const COLOUR = '^#[0-9a-f]{6}$';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('branding_logos', (t) => {
    t.text('sha256').primary();
    t.text('content_type').notNullable().checkIn(['image/png', 'image/jpeg', 'image/webp']);
    t.integer('width').notNullable();
    t.integer('height').notNullable();
    t.binary('content').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('account_branding', (t) => {
    t.uuid('account_id').primary().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('public_token').notNullable().unique();
    t.text('logo_sha256').nullable().references('sha256').inTable('branding_logos');
    t.text('primary_color').nullable();
    t.text('accent_color').nullable();
    t.text('slogan').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table account_branding add constraint account_branding_primary_check check (primary_color ~ '${COLOUR}')`);
  await knex.raw(`alter table account_branding add constraint account_branding_accent_check check (accent_color ~ '${COLOUR}')`);
  await knex.raw(`alter table account_branding add constraint account_branding_slogan_check check (char_length(slogan) between 1 and ${SLOGAN_MAX})`);
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.text('html').nullable();
    t.jsonb('inline').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.dropColumn('inline');
    t.dropColumn('html');
  });
  await knex.schema.dropTable('account_branding');
  await knex.schema.dropTable('branding_logos');
}
