import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { migrateLatest, migrationSource } from '../../core/db.ts';
import { migrations } from '../../migrations/index.ts';

for (const engine of dbEngines()) {
  describe(`migrations on ${engine.name}`, () => {
    let db: Knex;
    before(async () => { db = await engine.open(); });

    it('creates every table of the model', async () => {
      const rows = await db.raw<{ rows: Array<{ tablename: string }> }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
      const names = rows.rows.map((r) => r.tablename);
      for (const t of ['accounts', 'users', 'access_numbers', 'trunks', 'dial_plans', 'dial_plan_rules', 'rooms',
        'schedules', 'templates', 'room_auto_invites', 'contacts', 'contact_groups', 'group_memberships',
        'convener_bindings', 'conferences', 'call_legs', 'conference_events', 'invites', 'recordings', 'rates',
        'recharges', 'audit_log']) {
        assert.ok(names.includes(t), `table ${t} missing`);
      }
    });

    it('is idempotent and reversible', async () => {
      assert.deepEqual(await migrateLatest(db), []);
      await db.migrate.rollback({ migrationSource }, true);
      const left = await db.raw<{ rows: unknown[] }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_%'");
      assert.equal(left.rows.length, 0);
      assert.equal((await migrateLatest(db)).length, migrations.length);
    });

    it('has the indexes the web queries need', async () => {
      const rows = await db.raw<{ rows: Array<{ indexdef: string }> }>(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'");
      const defs = rows.rows.map((r) => r.indexdef);
      assert.ok(defs.some((d) => /ON public\.call_legs .*\(account_id, started_at\)/.test(d)), 'CDRs by account and time');
      assert.ok(defs.some((d) => /ON public\.conferences .*\(room_id, started_at\)/.test(d)), 'conferences by room and time');
    });
  });
}
