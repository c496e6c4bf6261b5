import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { migrateLatest, migrationSource } from '../../core/db.ts';
import { migrations } from '../../migrations/index.ts';
import * as m023 from '../../migrations/023_relay_direction.ts';
import { randomUUID } from 'node:crypto';

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
      // The month report leaves relay legs out (migration 023): both covering indexes hold the direction.
      for (const name of ['call_legs_account_report', 'call_legs_conference_report']) {
        assert.ok(defs.some((d) => d.includes(`INDEX ${name} ON public.call_legs`) && /INCLUDE \(.*\bdirection\b.*\)/.test(d)), `${name} includes direction`);
      }
    });

    it('call_legs takes direction relay (023) and still refuses an unknown one; rolled back, a relay leg becomes in', async () => {
      const row = (direction: string) => ({ id: randomUUID(), direction, caller: '+8613900139000', callee: '7017101', started_at: new Date('2026-06-01T02:00:00Z') });
      const relay = row('relay');
      await db('call_legs').insert(relay);
      await assert.rejects(db('call_legs').insert(row('sideways')), /call_legs_direction_check/);
      await m023.down(db);
      assert.equal((await db('call_legs').where({ id: relay.id }).first() as { direction: string }).direction, 'in');
      await assert.rejects(db('call_legs').insert(row('relay')), /call_legs_direction_check/);
      await m023.up(db);
      await db('call_legs').insert(row('relay'));
    });
  });
}
