// Live events across processes on a real PostgreSQL: a FakeLiveHost's events,
// sent by servePgLive through NOTIFY live_events, reach a PgLiveBus's
// subscribers filtered by account and conference, in order; a big quality
// event is split and arrives whole; what cannot be sent or parsed is dropped
// without harm; and both sides come back after the database restarts. The
// event latency is measured. Commands: live-pg-bus.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { LiveEvent, LiveSnapshot } from '../../core/live/messages.ts';
import { PgLiveBus } from '../../core/live/pg-bus.ts';
import { servePgLive, type PgLiveServer } from '../../core/live/pg-host.ts';
import { NOTIFY_MAX_BYTES } from '../../core/live/pg-protocol.ts';
import { closeTestDatabases, testPostgres } from '../support/db.ts';
import { fakeParticipant } from '../support/fake-live-host.ts';
import { EventLog, livePgWorld, marker, NODE, waitUntil, type LivePgWorld } from '../support/live-pg.ts';

after(closeTestDatabases);

describe('the live seam over PostgreSQL: events', () => {
  let w: LivePgWorld;
  let server: PgLiveServer;
  let bus: PgLiveBus;
  let a1: LiveSnapshot;
  let a2: LiveSnapshot;
  let b1: LiveSnapshot;
  const at = (): string => new Date().toISOString();

  before(async () => {
    w = await livePgWorld();
    server = servePgLive(w.host, { databaseUrl: w.url, nodeId: NODE, pollMs: 200 });
    bus = new PgLiveBus({ databaseUrl: w.url, timeoutMs: 3_000 });
    await bus.ready();
    await waitUntil(() => server.listening, 3_000, 'the host listening');
    a1 = await w.conference(w.accountA);
    a2 = await w.conference(w.accountA);
    b1 = await w.conference(w.accountB);
  });

  after(async () => {
    await bus.close();
    await server.close();
    await w.close();
  });

  it('events reach the subscribers whose filter they match, and only those', async () => {
    const conf = new EventLog();
    const withAlerts = new EventLog();
    const account = new EventLog();
    const other = new EventLog();
    const subs = [
      bus.subscribe({ accountId: w.accountA, conferenceId: a1.conferenceId }, conf.push),
      bus.subscribe({ accountId: w.accountA, conferenceId: a1.conferenceId, withAlerts: true }, withAlerts.push),
      bus.subscribe({ accountId: w.accountA }, account.push),
      bus.subscribe({ accountId: w.accountB }, other.push),
    ];
    const base = (s: LiveSnapshot) => ({ conferenceId: s.conferenceId, accountId: s.accountId, at: at() });
    const sent: LiveEvent[] = [
      { type: 'talking', ...base(a1), participantId: '1', talking: true },
      { type: 'talking', ...base(a2), participantId: '1', talking: true },
      { type: 'help', ...base(a2), participantId: '2', requested: true, alertId: null },
      { type: 'lockout', conferenceId: null, accountId: w.accountA, at: at(), roomId: a2.roomId!, roomNumber: a2.roomNumber, until: at(), alertId: null },
      { type: 'locked', ...base(b1), locked: true, by: null },
      marker(w.accountA, a1.conferenceId, 1),
      marker(w.accountB, b1.conferenceId, 1),
    ];
    for (const e of sent) w.host.emit(e);
    try {
      for (const log of [conf, withAlerts, account]) await log.until((e) => e.type === 'warning', 3_000, 'the marker');
      await other.until((e) => e.type === 'warning', 3_000, "B's marker");
      // Everything before a marker was sent before it, on one connection, in order: nothing more is on its way.
      assert.deepEqual(conf.events, [sent[0], sent[5]]);
      assert.deepEqual(withAlerts.events, [sent[0], sent[2], sent[3], sent[5]]);
      assert.deepEqual(account.events, [sent[0], sent[1], sent[2], sent[3], sent[5]]);
      assert.deepEqual(other.events, [sent[4], sent[6]]);
    } finally {
      for (const u of subs) u();
    }
  });

  it('events arrive in the order the host emitted them', async () => {
    const log = new EventLog();
    const unsub = bus.subscribe({ accountId: w.accountA, conferenceId: a1.conferenceId }, log.push);
    try {
      for (let i = 0; i < 300; i++) w.host.emit(marker(w.accountA, a1.conferenceId, i));
      await waitUntil(() => log.events.length === 300, 5_000, '300 events');
      assert.deepEqual(log.events.map((e) => (e.type === 'warning' ? e.minutesLeft : -1)), Array.from({ length: 300 }, (_, i) => i));
    } finally {
      unsub();
    }
  });

  it('a quality event over the NOTIFY limit is split, and every item arrives once', async () => {
    const log = new EventLog();
    const unsub = bus.subscribe({ accountId: w.accountA, conferenceId: a1.conferenceId }, log.push);
    try {
      const items = Array.from({ length: 600 }, (_, i) => ({ participantId: `leg-${i}-${'x'.repeat(20)}`, quality: { lossPct: i % 7, jitterMs: 12.5, rttMs: i % 3 === 0 ? null : 80, badge: 'fair' as const } }));
      const event: LiveEvent = { type: 'quality', conferenceId: a1.conferenceId, accountId: w.accountA, at: at(), items };
      assert.ok(JSON.stringify(event).length > 5 * NOTIFY_MAX_BYTES, 'the event needs several payloads');
      w.host.emit(event);
      w.host.emit(marker(w.accountA, a1.conferenceId, 7));
      await log.until((e) => e.type === 'warning', 3_000, 'the marker');
      const parts = log.events.filter((e) => e.type === 'quality');
      assert.ok(parts.length >= 6, `${parts.length} parts`);
      assert.deepEqual(parts.flatMap((e) => (e.type === 'quality' ? e.items : [])), items);
      for (const p of parts) assert.equal(p.at, event.at);
    } finally {
      unsub();
    }
  });

  it('an event other than quality over the limit is dropped, and the ones after it arrive', async () => {
    const log = new EventLog();
    const unsub = bus.subscribe({ accountId: w.accountA, conferenceId: a1.conferenceId }, log.push);
    try {
      const huge = fakeParticipant('99', { name: 'n'.repeat(NOTIFY_MAX_BYTES) });
      w.host.emit({ type: 'joined', conferenceId: a1.conferenceId, accountId: w.accountA, at: at(), participant: huge });
      w.host.emit(marker(w.accountA, a1.conferenceId, 8));
      await log.until((e) => e.type === 'warning', 3_000, 'the marker');
      assert.deepEqual(log.events.map((e) => e.type), ['warning']);
    } finally {
      unsub();
    }
  });

  it('malformed live_events payloads are dropped; a throwing subscriber does not stop the others', async () => {
    const log = new EventLog();
    let thrown = 0;
    const unsubs = [
      bus.subscribe({ accountId: w.accountA }, () => { thrown++; throw new Error('subscriber bug'); }),
      bus.subscribe({ accountId: w.accountA }, log.push),
    ];
    try {
      for (const bad of ['not json', '{"type":"joined"}', JSON.stringify({ type: 'exploded', accountId: w.accountA, conferenceId: a1.conferenceId, at: at() }), '']) {
        await w.raw.query("SELECT pg_notify('live_events', $1)", [bad]);
      }
      w.host.emit(marker(w.accountA, a1.conferenceId, 9));
      await log.until((e) => e.type === 'warning', 3_000, 'the marker');
      assert.deepEqual(log.events.map((e) => e.type), ['warning']);
      assert.equal(thrown, 1);
    } finally {
      for (const u of unsubs) u();
    }
  });

  it('measures the event latency, host emit to subscriber (300 events, 5 ms apart)', async () => {
    const latencies: number[] = [];
    const sentAt = new Map<number, number>();
    const unsub = bus.subscribe({ accountId: w.accountA, conferenceId: a1.conferenceId }, (e) => {
      if (e.type === 'warning') latencies.push(performance.now() - sentAt.get(e.minutesLeft)!);
    });
    try {
      for (let i = 0; i < 300; i++) {
        sentAt.set(i, performance.now());
        w.host.emit(marker(w.accountA, a1.conferenceId, i));
        await new Promise((r) => setTimeout(r, 5));
      }
      await waitUntil(() => latencies.length === 300, 5_000, '300 events');
    } finally {
      unsub();
    }
    latencies.sort((x, y) => x - y);
    const p = (q: number): string => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
    console.log(`# live event latency over PostgreSQL, 300 events: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms`);
  });

  it('both sides come back after the database restarts: commands work again and events flow', async () => {
    const cluster = await testPostgres();
    const down = bus.waitFor('disconnected', 10_000);
    await cluster.stop();
    await down;
    // While it is down: events are dropped at the host, not queued, and nothing throws.
    w.host.emit(marker(w.accountA, a1.conferenceId, 100));
    const up = bus.waitFor('connected', 20_000);
    await cluster.start();
    await up;
    await waitUntil(() => server.listening, 10_000, 'the host listening again');
    const log = new EventLog();
    const unsub = bus.subscribe({ accountId: w.accountA, conferenceId: a1.conferenceId }, log.push);
    try {
      assert.deepEqual(await bus.command(w.accountA, a1.conferenceId, { type: 'lock', locked: true }, { kind: 'system' }), { ok: true });
      await log.until((e) => e.type === 'locked', 3_000, 'the locked event');
      assert.equal(log.events.some((e) => e.type === 'warning' && e.minutesLeft === 100), false, 'the event of the outage was dropped, not delivered late');
    } finally {
      unsub();
    }
    // The world's raw connection died with the server; give the after() hook a live one.
    await w.raw.end().catch(() => undefined);
    w.raw = new pg.Client({ connectionString: w.url });
    w.raw.on('error', () => undefined);
    await w.raw.connect();
  });
});
