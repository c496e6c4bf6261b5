// The live seam across processes on a real PostgreSQL: a FakeLiveHost served
// by servePgLive and a PgLiveBus, each on its own connections, as the bridge
// and the web processes would be. Snapshots, every command, errors as their
// classes, account scoping, an unserved node, lost NOTIFYs, malformed rows,
// a host restart, two servers racing for one node; the command round trip
// measured. Events: live-pg-events.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidStateError } from '../../common/errors.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { LiveUnavailableError } from '../../core/live/live.ts';
import type { LiveActor, LiveCommand, LiveSnapshot } from '../../core/live/messages.ts';
import { PgLiveBus } from '../../core/live/pg-bus.ts';
import { servePgLive, type PgLiveServer } from '../../core/live/pg-host.ts';
import { closeTestDatabases } from '../support/db.ts';
import { livePgWorld, NODE, waitUntil, type LivePgWorld } from '../support/live-pg.ts';

const WEB: LiveActor = { kind: 'web', userId: 'u-1', name: 'Owner' };

after(closeTestDatabases);

describe('the live seam over PostgreSQL: commands and snapshots', () => {
  let w: LivePgWorld;
  let server: PgLiveServer;
  let bus: PgLiveBus;
  let conf: LiveSnapshot;

  before(async () => {
    w = await livePgWorld();
    server = servePgLive(w.host, { databaseUrl: w.url, nodeId: NODE, pollMs: 200 });
    bus = new PgLiveBus({ databaseUrl: w.url, timeoutMs: 3_000 });
    await bus.ready();
    conf = await w.conference(w.accountA);
  });

  after(async () => {
    await bus.close();
    await server.close();
    await w.close();
  });

  it('a snapshot comes back whole, as the host has it', async () => {
    assert.deepEqual(await bus.snapshot(w.accountA, conf.conferenceId), w.host.snapshot(w.accountA, conf.conferenceId));
  });

  it('a snapshot of 1,000 participants comes back whole', async () => {
    const big = await w.conference(w.accountA, { participants: 1_000 });
    const t0 = performance.now();
    const got = await bus.snapshot(w.accountA, big.conferenceId);
    const ms = performance.now() - t0;
    assert.equal(got.participants.length, 1_000);
    assert.deepEqual(got, w.host.snapshot(w.accountA, big.conferenceId));
    console.log(`# 1,000-participant snapshot over PostgreSQL: ${ms.toFixed(1)} ms, ${JSON.stringify(got).length} bytes`);
  });

  it('every command type reaches the host with its account, conference and actor, and answers as the host did', async () => {
    const c = await w.conference(w.accountA);
    const commands: LiveCommand[] = [
      { type: 'mute', participantId: '1', muted: true },
      { type: 'role', participantId: '1', role: 'chair' },
      { type: 'hold', participantId: '2', held: true },
      { type: 'volume', participantId: '2', talkDb: 6, listenDb: -3 },
      { type: 'mute-all', muted: true },
      { type: 'lock', locked: true },
      { type: 'record', on: true },
      { type: 'extend', minutes: 30 },
      { type: 'limit', max: 100 },
      { type: 'remove', participantId: '3' },
      { type: 'end' },
    ];
    const actors: LiveActor[] = [WEB, { kind: 'participant', participantId: '1' }, { kind: 'system' }];
    for (const [i, command] of commands.entries()) {
      const actor = actors[i % actors.length]!;
      const before = w.host.commands.length;
      const result = await bus.command(w.accountA, c.conferenceId, command, actor);
      assert.equal(result.ok, true);
      assert.equal(w.host.commands.length, before + 1, command.type);
      assert.deepEqual(w.host.commands.at(-1), { accountId: w.accountA, conferenceId: c.conferenceId, command, actor });
      if (command.type === 'mute') assert.deepEqual(result.participant, { ...fakeParticipantAfter(c, '1'), muted: true, mutedBy: 'web' });
      if (command.type === 'volume') assert.equal(result.participant?.talkDb, 6);
      if (command.type === 'extend') assert.equal(result.closesAt, new Date(Date.parse(c.closesAt) + 30 * 60_000).toISOString());
      if (command.type === 'limit') assert.equal(result.max, 100);
    }
    assert.equal(w.host.conferences.has(c.conferenceId), false, 'ended on the host');
  });

  it('the invite commands cross PostgreSQL with their rows in the result, and their events arrive', async () => {
    const c = await w.conference(w.accountA);
    const seen: string[] = [];
    const off = bus.subscribe({ accountId: w.accountA, conferenceId: c.conferenceId }, (e) => { if (e.type === 'invite') seen.push(`${e.invite.target}:${e.invite.state}`); });
    const made = await bus.command(w.accountA, c.conferenceId, { type: 'invite', targets: [{ target: '13900139001*12', name: '李四' }, { target: 'sip:x@example.test' }] }, WEB);
    assert.deepEqual(made.invites?.map((i) => [i.target, i.name, i.state]), [['13900139001*12', '李四', 'queued'], ['sip:x@example.test', '', 'queued']]);
    const cancelled = await bus.command(w.accountA, c.conferenceId, { type: 'invite-cancel', inviteId: made.invites![0]!.id }, WEB);
    assert.equal(cancelled.invites?.[0]?.state, 'cancelled');
    await assert.rejects(bus.command(w.accountA, c.conferenceId, { type: 'invite-cancel', inviteId: made.invites![0]!.id }, WEB), InvalidStateError);
    for (let i = 0; i < 200 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    off();
    assert.deepEqual(seen, ['13900139001*12:queued', 'sip:x@example.test:queued', '13900139001*12:cancelled']);
  });

  it('errors come back as the classes the host threw, with their fields', async () => {
    await assert.rejects(bus.command(w.accountA, conf.conferenceId, { type: 'mute', participantId: 'nobody', muted: true }, WEB),
      (err: unknown) => err instanceof NotFoundError && err.entity === 'participant' && err.id === 'nobody');
    await assert.rejects(bus.command(w.accountA, conf.conferenceId, { type: 'limit', max: 5_000 }, WEB),
      (err: unknown) => err instanceof ValidationError && err.field === 'max' && /at most 600/.test(err.message));
    w.host.failNext(new InvalidStateError('the conference is ending'));
    await assert.rejects(bus.command(w.accountA, conf.conferenceId, { type: 'lock', locked: true }, WEB),
      (err: unknown) => err instanceof InvalidStateError && err.message === 'the conference is ending');
    // A conference the database knows but the host does not run (it ended there a moment ago).
    const gone = await w.conference(w.accountA);
    w.host.conferences.delete(gone.conferenceId);
    await assert.rejects(bus.snapshot(w.accountA, gone.conferenceId), (err: unknown) => err instanceof NotFoundError && err.entity === 'conference');
  });

  it("another account's conference, an ended one, a made-up id: NotFoundError, and no row reaches the host", async () => {
    const before = w.host.commands.length;
    const rowsBefore = await countRows(w);
    await assert.rejects(bus.snapshot(w.accountB, conf.conferenceId), (err: unknown) => err instanceof NotFoundError && err.id === conf.conferenceId);
    await assert.rejects(bus.command(w.accountB, conf.conferenceId, { type: 'end' }, WEB), NotFoundError);
    await assert.rejects(bus.snapshot(w.accountA, 'not-a-uuid'), NotFoundError);
    await assert.rejects(bus.snapshot(w.accountA, '00000000-0000-4000-8000-000000000000'), NotFoundError);
    const ended = await w.conference(w.accountA);
    await w.repos.conferences.end(w.accountA, ended.conferenceId, { at: new Date(), reason: 'test' });
    await assert.rejects(bus.command(w.accountA, ended.conferenceId, { type: 'lock', locked: true }, WEB), NotFoundError);
    assert.equal(w.host.commands.length, before);
    assert.equal(await countRows(w), rowsBefore);
  });

  it('a conference on a node nobody serves: LiveUnavailableError within the timeout, the row marked failed', async () => {
    const orphan = await w.conference(w.accountA, { nodeId: 'node-9' });
    const quick = new PgLiveBus({ databaseUrl: w.url, timeoutMs: 600 });
    try {
      const t0 = Date.now();
      await assert.rejects(quick.command(w.accountA, orphan.conferenceId, { type: 'lock', locked: true }, WEB), LiveUnavailableError);
      const ms = Date.now() - t0;
      assert.ok(ms >= 550 && ms < 2_000, `gave up after ${ms} ms`);
      const { rows } = await w.raw.query("SELECT status, result FROM live_commands WHERE node_id = 'node-9'");
      assert.equal(rows.length, 1);
      assert.equal(rows[0].status, 'failed');
      assert.equal(rows[0].result.error.name, 'LiveUnavailableError');
    } finally {
      await quick.close();
    }
  });

  it('a row whose NOTIFY was lost is still run by the poll; a malformed row fails with a clear error; a list row lists', async () => {
    const before = w.host.commands.length;
    const insert = async (conferenceId: string | null, request: unknown): Promise<string> => {
      const { rows } = await w.raw.query('INSERT INTO live_commands (node_id, account_id, conference_id, request) VALUES ($1, $2, $3, $4) RETURNING id',
        [NODE, w.accountA, conferenceId, JSON.stringify(request)]);
      return rows[0].id as string;
    };
    const lost = await insert(conf.conferenceId, { kind: 'execute', command: { type: 'lock', locked: false }, actor: WEB });
    const bad = await insert(conf.conferenceId, { kind: 'execute', command: { type: 'explode' }, actor: WEB });
    const list = await insert(null, { kind: 'list' });
    const row = async (id: string) => (await w.raw.query('SELECT status, result FROM live_commands WHERE id = $1', [id])).rows[0];
    await waitUntil(async () => (await row(lost)).status !== 'pending' && (await row(bad)).status !== 'pending' && (await row(list)).status !== 'pending', 3_000, 'the poll');
    assert.equal((await row(lost)).status, 'done');
    assert.deepEqual(w.host.commands.slice(before).map((c) => c.command), [{ type: 'lock', locked: false }]);
    const failed = await row(bad);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.result.error.name, 'ValidationError');
    assert.match(failed.result.error.message, /malformed live request: command/);
    const listed = await row(list);
    assert.equal(listed.status, 'done');
    assert.ok(listed.result.value.some((s: { conferenceId: string; participantCount: number }) => s.conferenceId === conf.conferenceId && s.participantCount === 3));
    assert.ok(listed.result.value.every((s: { accountId: string }) => s.accountId === w.accountA));
  });

  it('a garbled live_cmd notification is ignored and the host goes on', async () => {
    await w.raw.query("SELECT pg_notify('live_cmd', 'garbage'), pg_notify('live_cmd', '{\"nodeId\":\"node-1\",\"id\":\"x; DROP\"}')");
    assert.equal((await bus.snapshot(w.accountA, conf.conferenceId)).conferenceId, conf.conferenceId);
  });

  it('a host restart: a command sent while it is away runs when it is back', async () => {
    await server.close();
    const pending = bus.command(w.accountA, conf.conferenceId, { type: 'record', on: true }, WEB);
    await new Promise((r) => setTimeout(r, 300));
    server = servePgLive(w.host, { databaseUrl: w.url, nodeId: NODE, pollMs: 200 });
    assert.deepEqual(await pending, { ok: true });
    assert.deepEqual(w.host.commands.at(-1)?.command, { type: 'record', on: true });
    assert.equal((await bus.snapshot(w.accountA, conf.conferenceId)).recording, true);
  });

  it('two servers on one node id never run a command twice', async () => {
    const second = servePgLive(w.host, { databaseUrl: w.url, nodeId: NODE, pollMs: 50 });
    try {
      const before = w.host.commands.length;
      await Promise.all(Array.from({ length: 40 }, (_, i) => bus.command(w.accountA, conf.conferenceId, { type: 'limit', max: 10 + i }, WEB)));
      assert.equal(w.host.commands.length, before + 40);
    } finally {
      await second.close();
    }
  });

  it('rows claimed together run in id order (one conference, one after another)', async () => {
    const before = w.host.commands.length;
    const { rows } = await w.raw.query(`INSERT INTO live_commands (node_id, account_id, conference_id, request)
      SELECT $1, $2, $3, jsonb_build_object('kind', 'execute', 'actor', jsonb_build_object('kind', 'system'),
        'command', jsonb_build_object('type', 'limit', 'max', 300 + n)) FROM generate_series(1, 30) AS n RETURNING id`,
    [NODE, w.accountA, conf.conferenceId]);
    assert.equal(rows.length, 30);
    await waitUntil(() => w.host.commands.length === before + 30, 3_000, '30 commands');
    const maxes = w.host.commands.slice(before).map((c) => (c.command.type === 'limit' ? c.command.max : -1));
    assert.deepEqual(maxes, Array.from({ length: 30 }, (_, i) => 301 + i));
  });

  it('measures the command round trip (200 sequential commands)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await bus.command(w.accountA, conf.conferenceId, { type: 'mute', participantId: '2', muted: i % 2 === 0 }, WEB);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const p = (q: number): string => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
    console.log(`# live command round trip over PostgreSQL, 200 commands: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms`);
    assert.ok(times[Math.floor(0.5 * times.length)]! < 100, 'p50 under 100 ms');
  });

  it('after close, the bus refuses with InvalidStateError', async () => {
    const b = new PgLiveBus({ databaseUrl: w.url });
    await b.close();
    await assert.rejects(b.snapshot(w.accountA, conf.conferenceId), InvalidStateError);
  });
});

function fakeParticipantAfter(s: LiveSnapshot, id: string) {
  return s.participants.find((p) => p.id === id)!;
}

async function countRows(w: LivePgWorld): Promise<number> {
  return Number((await w.raw.query('SELECT count(*) AS n FROM live_commands')).rows[0].n);
}
