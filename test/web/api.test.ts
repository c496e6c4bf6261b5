// The web API's features over an in-memory database: rooms (generated number
// and PINs, validation, recurrence, next occurrences, templates), invitations
// (.ics, outbox), contacts (CSV preview/import/export), billing periods and
// CSV, history (event log, start again), operator pages' API, language.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';
import type { LegRecord } from '../../core/cdr/leg.ts';

// A fixed clock: Monday 2026-06-01 10:00 in Shanghai.
const NOW = new Date('2026-06-01T02:00:00Z');

describe('web API', () => {
  let w: TestWeb;
  let a: Client;
  let op: Client;

  before(async () => {
    w = await startTestWeb({ mail: 'capture', now: NOW });
    [a, op] = await Promise.all([w.login(DEMO.owner.username, DEMO.owner.password), w.login(DEMO.operator.username, DEMO.operator.password)]);
  });
  after(async () => { await w?.close(); });

  describe('rooms', () => {
    it('creates a meeting with a generated random number and differing PINs', async () => {
      const r = await a.post('/api/rooms', { name: '周例会 Weekly' });
      assert.equal(r.status, 201);
      const room = r.json();
      assert.match(room.number, /^[1-9][0-9]{7}$/);
      assert.match(room.chairPin, /^[0-9]{6}$/);
      assert.match(room.guestPin, /^[0-9]{6}$/);
      assert.notEqual(room.chairPin, room.guestPin);
      assert.equal(room.organizerUserId, w.seed.ownerUserId);
      const second = (await a.post('/api/rooms', { name: 'another' })).json();
      assert.notEqual(Math.abs(Number(second.number) - Number(room.number)), 1, 'not sequential');
    });

    it('validates number and PINs: digits, chair ≠ guest, unique number, tier cap', async () => {
      const cases: Array<[unknown, number, string]> = [
        [{ name: 'x', chairPin: '12a4' }, 400, 'chairPin'],
        [{ name: 'x', chairPin: '123456', guestPin: '123456' }, 400, 'guestPin'],
        [{ name: 'x', number: '12345' }, 400, 'number'],
        [{ name: 'x', number: DEMO.room.number }, 409, 'number'],
        [{ name: 'x', maxParticipants: 601 }, 400, 'maxParticipants'],
        [{ name: '' }, 400, 'name'],
        [{ name: 'x', autoExtendMinutes: 20 }, 400, 'autoExtendMinutes'],
        [{ name: 'x', unknownField: 1 }, 400, ''],
      ];
      for (const [body, status, field] of cases) {
        const r = await a.post('/api/rooms', body);
        assert.equal(r.status, status, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
        if (field) assert.ok(r.text.includes(field), `${JSON.stringify(body)} names ${field}: ${r.text}`);
      }
      // An empty guest PIN is allowed.
      const ok = await a.post('/api/rooms', { name: 'no guest pin', chairPin: '2468', guestPin: '' });
      assert.equal(ok.status, 201);
      assert.equal(ok.json().guestPin, '');
      // Editing: same rules.
      const id = ok.json().id;
      assert.equal((await a.patch(`/api/rooms/${id}`, { guestPin: '2468' })).status, 400);
      assert.equal((await a.patch(`/api/rooms/${id}`, { number: DEMO.room.number })).status, 409);
      const edited = await a.patch(`/api/rooms/${id}`, { number: '5550001', chairPin: '97531', guestPin: '86420' });
      assert.equal(edited.status, 200);
      assert.deepEqual([edited.json().number, edited.json().chairPin, edited.json().guestPin], ['5550001', '97531', '86420']);
    });

    it('stores every option and a weekly recurrence with a count, and lists the next occurrences', async () => {
      const r = await a.post('/api/rooms', {
        name: 'Standup', start: '2026-06-01T09:30', durationHours: 0.5, earlyEntryMinutes: 5, autoExtendMinutes: 15, reminderMinutes: 30,
        maxParticipants: 50, description: 'daily-ish', options: { chairAnnounce: true, guestListenOnly: true, guestWaitForChair: true, muteOnEntry: true, autoRecord: true },
        recurrence: { freq: 'weekly', byDay: ['MO', 'WE', 'FR'], end: 'count', count: 6 }, autoInvites: ['13900139001 张伟', { target: 'sip:mcu@video.example.com', name: 'MCU' }],
      });
      assert.equal(r.status, 201, r.text);
      const room = r.json();
      assert.equal(room.schedule.rrule, 'FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6');
      assert.equal(room.schedule.startsAt, '2026-06-01T01:30:00.000Z'); // 09:30 in Shanghai
      assert.equal(room.schedule.durationMinutes, 30);
      assert.deepEqual(room.options, { chairAnnounce: true, chairRecord: true, guestAnnounce: false, guestListenOnly: true, guestWaitForChair: true, muteOnEntry: true, autoRecord: true, endWhenLastChairLeaves: false, inviteConfirm: true, guestsMayInvite: false });
      const detail = (await a.get(`/api/rooms/${room.id}`)).json();
      // 09:30 today has passed (10:00 now, 30 min long: ended at 10:00) → Wed 3, Fri 5, Mon 8, Wed 10, Fri 12.
      assert.deepEqual(detail.nextOccurrences.map((o: { start: string }) => o.start), [
        '2026-06-03T01:30:00.000Z', '2026-06-05T01:30:00.000Z', '2026-06-08T01:30:00.000Z', '2026-06-10T01:30:00.000Z', '2026-06-12T01:30:00.000Z',
      ]);
      assert.equal(detail.status, 'planned');
      assert.deepEqual(detail.autoInvites.map((i: { target: string }) => i.target).sort(), ['+8613900139001', 'sip:mcu@video.example.com']);
      assert.deepEqual(detail.schedule.recurrence, { freq: 'weekly', interval: 1, byDay: ['MO', 'WE', 'FR'], end: 'count', count: 6 });
    });

    it('monthly until a date, daily every 2 days; lists rooms by status', async () => {
      const m = (await a.post('/api/rooms', { name: 'Monthly', start: '2026-06-15T14:00', recurrence: { freq: 'monthly', end: 'until', until: '2026-09-30' } })).json();
      assert.equal(m.schedule.rrule, 'FREQ=MONTHLY;UNTIL=20260930T155959Z');
      const next = (await a.get(`/api/rooms/${m.id}`)).json().nextOccurrences;
      assert.deepEqual(next.map((o: { start: string }) => o.start.slice(0, 10)), ['2026-06-15', '2026-07-15', '2026-08-15', '2026-09-15']);
      const d = (await a.post('/api/rooms', { name: 'Every other day', start: '2026-05-01T08:00', recurrence: { freq: 'daily', interval: 2, end: 'never' } })).json();
      assert.equal(d.schedule.rrule, 'FREQ=DAILY;INTERVAL=2');
      const past = (await a.post('/api/rooms', { name: 'Long ago', start: '2026-01-01T08:00', durationHours: 1 })).json();
      const planned = (await a.get('/api/rooms?status=planned')).json<Array<{ id: string }>>().map((x) => x.id);
      const ended = (await a.get('/api/rooms?status=past')).json<Array<{ id: string }>>().map((x) => x.id);
      assert.ok(planned.includes(m.id));
      assert.ok(ended.includes(past.id));
      assert.equal((await a.post('/api/rooms', { name: 'bad', recurrence: { freq: 'monthly', end: 'until' } })).status, 400);
    });

    it('templates: save a room as the default template; new rooms take its settings', async () => {
      const src = (await a.post('/api/rooms', { name: 'Tpl source', durationHours: 3, maxParticipants: 25, options: { muteOnEntry: true }, recurrence: { freq: 'daily', end: 'count', count: 3 } })).json();
      const t = await a.post('/api/templates', { name: 'Board', roomId: src.id, isDefault: true });
      assert.equal(t.status, 201);
      const fresh = (await a.post('/api/rooms', { name: 'from default' })).json();
      assert.equal(fresh.schedule.durationMinutes, 180);
      assert.equal(fresh.maxParticipants, 25);
      assert.equal(fresh.options.muteOnEntry, true);
      const list = (await a.get('/api/templates')).json<Array<{ id: string; isDefault: boolean }>>();
      assert.equal(list.filter((x) => x.isDefault).length, 1);
      assert.equal((await a.patch(`/api/templates/${t.json().id}`, { isDefault: false })).status, 200);
      assert.equal((await a.delete(`/api/templates/${t.json().id}`)).status, 204);
      assert.equal((await a.get(`/api/templates/${t.json().id}`)).status, 404);
    });

    it('e-mails invitations with access numbers, room number, PIN and an .ics; deletes rooms', async () => {
      const g = (await a.post('/api/contact-groups', { name: 'Invitees' })).json();
      await a.post('/api/contacts', { name: '赵六', phone: '13900139077', email: 'zhao@example.com', groupIds: [g.id] });
      w.sent.length = 0;
      const r = await a.post('/api/rooms', { name: 'Invite me', start: '2026-06-02T09:00', recurrence: { freq: 'weekly', end: 'count', count: 4 }, invite: { emails: ['boss@example.com'], groupIds: [g.id] } });
      assert.equal(r.status, 201, r.text);
      const room = r.json();
      assert.deepEqual(room.invitations, { sent: 2, queued: 0, outbox: 0, failed: 0, recipients: ['boss@example.com', 'zhao@example.com'] });
      const mail = w.sent[0]!;
      assert.ok(mail.text.includes(room.number) && mail.text.includes(room.guestPin) && mail.text.includes('4006701018'), mail.text);
      assert.ok(!mail.text.includes(room.chairPin), 'the chair PIN stays with the owner');
      assert.match(mail.ics ?? '', /BEGIN:VTIMEZONE\r\nTZID:Asia\/Shanghai[\s\S]*BEGIN:VEVENT[\s\S]*DTSTART;TZID=Asia\/Shanghai:20260602T090000[\s\S]*RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4/);
      const outbox = (await op.get('/api/operator/outbox')).json<Array<{ to: string; status: string }>>();
      assert.ok(outbox.some((m) => m.to === 'boss@example.com' && m.status === 'sent'));
      const ics = await a.get(`/api/rooms/${room.id}/invitation.ics`);
      assert.equal(ics.status, 200);
      assert.match(ics.headers.get('content-type') ?? '', /text\/calendar/);
      assert.equal((await a.delete(`/api/rooms/${room.id}`)).status, 204);
      assert.equal((await a.get(`/api/rooms/${room.id}`)).status, 404);
    });
  });

  describe('contacts', () => {
    it('stores E.164, shows national format, warns about duplicates, searches', async () => {
      const c = await a.post('/api/contacts', { name: '钱七', phone: '139 0013 9088' });
      assert.equal(c.status, 201);
      assert.equal(c.json().phone, '+8613900139088');
      assert.equal(c.json().phoneDisplay, '139 0013 9088');
      const dup = (await a.post('/api/contacts', { name: '钱七 2', phone: '+86 13900139088' })).json();
      assert.equal(dup.duplicates.length, 1);
      assert.equal((await a.post('/api/contacts', { name: 'bad', phone: '12345' })).status, 400);
      const found = (await a.get(`/api/contacts?search=${encodeURIComponent('钱七')}`)).json<unknown[]>();
      assert.equal(found.length, 2);
      const ext = (await a.patch(`/api/contacts/${dup.id}`, { phone: '010 6552 9988*123' })).json();
      assert.equal(ext.phone, '+861065529988*123');
      assert.equal((await a.delete(`/api/contacts/${dup.id}`)).status, 204);
    });

    it('previews a UTF-8 CSV with Chinese names (duplicates and invalid numbers flagged) before importing; exports', async () => {
      const csv = '\uFEFF姓名,电话,邮箱,分组\n孙悟空,13911112222,sun@example.com,西游;取经\n猪八戒,13911113333,,西游\n沙和尚,13911112222,,\n白龙马,123,,\n张伟,13900139001,,\n';
      const before = (await a.get('/api/contacts')).json<unknown[]>().length;
      const p = await a.post('/api/contacts/import/preview', { csv });
      assert.equal(p.status, 200, p.text);
      const preview = p.json<{ counts: Record<string, number>; rows: Array<{ line: number; name: string; status: string }> }>();
      assert.deepEqual(preview.rows.map((r) => [r.line, r.name, r.status]), [
        [2, '孙悟空', 'ok'], [3, '猪八戒', 'ok'], [4, '沙和尚', 'duplicateInFile'], [5, '白龙马', 'invalid'], [6, '张伟', 'existing'],
      ]);
      assert.equal((await a.get('/api/contacts')).json<unknown[]>().length, before, 'the preview saves nothing');
      const imp = (await a.post('/api/contacts/import', { csv, onDuplicate: 'skip' })).json();
      assert.equal(imp.created, 2);
      assert.equal(imp.skippedExisting.length, 1);
      assert.deepEqual(imp.groupsCreated.sort(), ['取经', '西游']);
      const exp = await a.get('/api/contacts/export.csv');
      assert.equal(exp.status, 200);
      assert.match(exp.headers.get('content-disposition') ?? '', /attachment; filename="contacts.csv"/);
      assert.ok(exp.text.startsWith('name,phone'), exp.text.slice(0, 40)); // fetch drops the BOM; the bytes keep it:
      const raw = new Uint8Array(await (await fetch(`${w.url}/api/contacts/export.csv`, { headers: { cookie: a.cookieHeader } })).arrayBuffer());
      assert.deepEqual([...raw.slice(0, 3)], [0xef, 0xbb, 0xbf]);
      assert.ok(exp.text.includes('孙悟空,+8613911112222,sun@example.com'));
      assert.equal((await a.post('/api/contacts/import/preview', { csv: 'foo,bar\n1,2\n' })).status, 400);
    });
  });

  describe('billing and history', () => {
    let confId = '';
    before(async () => {
      const acc = w.seed.accountId;
      const { conference } = await w.repos.conferences.startOrGet(acc, { roomId: w.seed.roomId, at: new Date('2026-05-20T01:00:00Z') });
      confId = conference.id;
      await w.repos.conferences.addEvent(acc, conference.id, { at: new Date('2026-05-20T01:00:05Z'), kind: 'join', actor: '=HYPERLINK("http://evil")', data: { name: '张三' } });
      await w.repos.conferences.end(acc, conference.id, { at: new Date('2026-05-20T01:30:00Z'), reason: 'last_left' });
      const leg = (over: Partial<LegRecord>): LegRecord => ({
        id: randomUUID(), nodeId: 'test', accountId: acc, conferenceId: conference.id, roomId: w.seed.roomId, roomNumber: DEMO.room.number, direction: 'in',
        caller: '+8613900139001', callee: '4006701018', accessNumberId: w.seed.accessNumberIds['4006701018']!, accessNumber: '4006701018', role: 'chair',
        displayName: '', startedAt: new Date('2026-05-20T01:00:00Z'), answeredAt: new Date('2026-05-20T01:00:02Z'), endedAt: new Date('2026-05-20T01:01:37Z'),
        lastCheckpointAt: null, q850Cause: 16, state: 'closed', closedByRecovery: false, ...over,
      });
      await w.repos.cdrs.write(leg({})); // 95 s → 2 min at 0.15 → 30
      await w.repos.cdrs.write(leg({ direction: 'out', caller: '4006701018', callee: '+8613900139002', accessNumberId: null, accessNumber: null, role: 'guest', endedAt: new Date('2026-05-20T01:02:07Z') })); // 125 s → 126 s at 0.12 → 26
      await w.repos.cdrs.write(leg({ startedAt: new Date('2026-05-28T01:00:00Z'), answeredAt: new Date('2026-05-28T01:00:00Z'), endedAt: new Date('2026-05-28T01:10:00Z'), conferenceId: null })); // 10 min → 150
      // The first caller's relay leg on the room's host node (issue 18): the same caller, never rated nor shown —
      // the figures below (3 calls, 2 participants, 3 CSV rows) hold only if it is left out.
      await w.repos.cdrs.write(leg({ direction: 'relay', callee: DEMO.room.number, startedAt: new Date('2026-05-20T01:00:01Z') }));
    });

    it('reports a month: totals, per meeting and per call', async () => {
      const r = (await a.get('/api/billing/report?period=month&month=2026-05')).json();
      assert.deepEqual(r.totals, { calls: 3, billableSeconds: 95 + 125 + 600, costMinor: 30 + 26 + 150 });
      assert.equal(r.period.from, '2026-04-30T16:00:00.000Z');
      const bill = r.conferences.find((b: { conferenceId: string }) => b.conferenceId === confId);
      assert.deepEqual({ ...bill, conferenceId: undefined }, { conferenceId: undefined, roomNumber: DEMO.room.number, startedAt: '2026-05-20T01:00:00.000Z', endedAt: '2026-05-20T01:30:00.000Z', durationSeconds: 1800, participants: 2, billableSeconds: 220, costMinor: 56 });
      const out = r.calls.find((c: { direction: string }) => c.direction === 'out');
      assert.deepEqual([out.number, out.billableSeconds, out.billedSeconds, out.ratePerMinuteMinor, out.costMinor], ['+8613900139002', 125, 126, 12, 26]);
    });

    it('reports the last week and a date range; exports CSV', async () => {
      w.clock.now = new Date('2026-05-31T00:00:00Z');
      try {
        const lw = (await a.get('/api/billing/report?period=lastweek')).json();
        assert.equal(lw.totals.calls, 1);
      } finally { w.clock.now = NOW; }
      const range = (await a.get('/api/billing/report?period=range&from=2026-05-20&to=2026-05-20')).json();
      assert.equal(range.totals.calls, 2);
      assert.equal((await a.get('/api/billing/report?period=range&from=2026-05-21&to=2026-05-20')).status, 400);
      const csv = await a.get('/api/billing/calls.csv?period=month&month=2026-05');
      assert.equal(csv.status, 200);
      const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\n');
      assert.equal(lines.length, 4);
      assert.ok(lines.some((l) => l.includes('+8613900139002') && l.endsWith(',126,12,26,16')), lines.join('\n'));
    });

    it('shows a conference\'s log (CSV, formula-safe) and starts it again', async () => {
      const h = (await a.get('/api/history?period=month&month=2026-05')).json<Array<{ id: string }>>();
      assert.ok(h.some((c) => c.id === confId));
      const d = (await a.get(`/api/history/${confId}`)).json();
      assert.deepEqual(d.events.map((e: { kind: string }) => e.kind), ['start', 'join', 'end']);
      assert.equal(d.participants.length, 2);
      const csv = await a.get(`/api/history/${confId}/events.csv`);
      assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="meeting-888888-2026-05-20-events.csv"/);
      assert.ok(csv.text.includes('张三'));
      assert.ok(csv.text.includes(`,join,"'=HYPERLINK(""http://evil"")"`), csv.text); // shown, not evaluated, by spreadsheets
      const re = await a.post(`/api/history/${confId}/restart`);
      assert.equal(re.status, 201);
      const room = re.json();
      assert.notEqual(room.number, DEMO.room.number);
      assert.equal(room.maxParticipants, DEMO.room.maxParticipants);
      assert.equal(room.schedule.startsAt, NOW.toISOString());
    });
  });

  describe('operator', () => {
    it('creates an account with its owner, sets the tier, tops up, freezes', async () => {
      const r = await op.post('/api/operator/accounts', { name: '新客户 New Co', tier: 'trial', owner: { username: 'newco', password: 'NewCo#2026' }, initialBalanceMinor: 5000 });
      assert.equal(r.status, 201, r.text);
      const acc = r.json();
      assert.equal(acc.balanceMinor, 5000);
      assert.equal((await op.post('/api/operator/accounts', { name: 'weak', owner: { username: 'weak1', password: 'short' } })).status, 400);
      assert.equal((await op.patch(`/api/operator/accounts/${acc.id}`, { tier: 'vip' })).json().tier, 'vip');
      assert.equal((await op.post(`/api/operator/accounts/${acc.id}/recharges`, { amountMinor: 2500, note: 'top-up' })).json().balanceAfterMinor, 7500);
      assert.equal((await op.patch(`/api/operator/accounts/${acc.id}`, { frozen: true })).json().frozen, true);
      const owner = await w.login('newco', 'NewCo#2026');
      const recharges = (await owner.get('/api/account/recharges')).json<Array<{ amountMinor: number }>>();
      assert.deepEqual(recharges.map((x) => x.amountMinor), [2500, 5000]);
    });

    it('opens an account in one transaction: a login already taken leaves no account, owner or balance behind', async () => {
      const before = await w.repos.accounts.list();
      const r = await op.post('/api/operator/accounts', { name: 'Orphan Co', tier: 'formal', owner: { username: DEMO.owner.username, password: 'Orphan#2026' }, initialBalanceMinor: 9900 });
      assert.equal(r.status, 409, r.text);
      assert.equal(r.json().field, 'username');
      const after = await w.repos.accounts.list();
      assert.deepEqual(after.map((a) => a.id), before.map((a) => a.id));
      assert.ok(!after.some((a) => a.name === 'Orphan Co'), 'no orphan account');
      const listed = (await op.get('/api/operator/accounts')).json<Array<{ name: string }>>();
      assert.ok(!listed.some((a) => a.name === 'Orphan Co'));
    });

    it('keeps access numbers and rates; rejects a rate that does not fit together', async () => {
      const an = await op.post('/api/operator/access-numbers', { number: '4009990000', kind: 'meeting', language: 'en' });
      assert.equal(an.status, 201);
      const rate = await op.post('/api/operator/rates', { direction: 'in', destinationClass: 'access_number', accessNumberId: an.json().id, perMinuteMinor: 9 });
      assert.equal(rate.status, 201, rate.text);
      assert.equal((await op.post('/api/operator/rates', { direction: 'out', destinationClass: 'access_number', perMinuteMinor: 9 })).status, 400);
      assert.equal((await op.patch(`/api/operator/rates/${rate.json().id}`, { perMinuteMinor: 11 })).json().perMinuteMinor, 11);
      assert.equal((await op.delete(`/api/operator/rates/${rate.json().id}`)).status, 204);
      assert.equal((await op.delete(`/api/operator/access-numbers/${an.json().id}`)).status, 204);
    });

    it('finds planned meetings that would overbook the licensed ports', async () => {
      // 1000 licensed ports; the demo room (600) is open for 2000 h; two more 300-seat meetings overlap tomorrow.
      const x = (await a.post('/api/rooms', { name: 'Big one', start: '2026-06-02T10:00', durationHours: 2, maxParticipants: 300 })).json();
      const y = (await a.post('/api/rooms', { name: 'Big two', start: '2026-06-02T11:00', durationHours: 2, maxParticipants: 300 })).json();
      const cap = (await op.get('/api/operator/capacity?days=3')).json();
      assert.equal(cap.licensedPorts, 1000);
      const over = cap.overbooked.map((o: { roomId: string }) => o.roomId);
      assert.ok(over.includes(x.id) && over.includes(y.id), JSON.stringify(cap.overbooked.map((o: { roomName: string; peak: number }) => [o.roomName, o.peak])));
      assert.ok(cap.peak.ports > 1000);
      assert.equal(typeof cap.live.openCalls, 'number');
    });
  });

  it('switches the language and remembers it for the user; pages follow', async () => {
    assert.equal((await a.put('/api/me/locale', { locale: 'en' })).status, 200);
    const again = await w.login(DEMO.owner.username, DEMO.owner.password); // a new session: the choice is the user's
    assert.equal((await again.get('/api/me')).json().user.locale, 'en');
    assert.match((await again.get('/rooms')).text, /<html lang="en">[\s\S]*New meeting/);
    await a.put('/api/me/locale', { locale: 'zh-CN' });
    assert.match((await a.get('/rooms')).text, /<html lang="zh-CN">[\s\S]*新建会议/);
    assert.equal((await a.put('/api/me/locale', { locale: 'fr' })).status, 400);
  });

  it('changes the password under the policy', async () => {
    const acc = await w.repos.accounts.create({ name: 'Pw Ltd' });
    await w.repos.users.create({ accountId: acc.id, role: 'owner', username: 'pw-user', password: 'First#Pass1' });
    const c = await w.login('pw-user', 'First#Pass1');
    const other = await w.login('pw-user', 'First#Pass1');
    assert.equal((await c.post('/api/me/password', { currentPassword: 'First#Pass1', newPassword: 'alllowercase' })).status, 400);
    assert.equal((await c.post('/api/me/password', { currentPassword: 'wrong', newPassword: 'Second#Pass2' })).status, 400);
    assert.equal((await c.post('/api/me/password', { currentPassword: 'First#Pass1', newPassword: 'Second#Pass2' })).status, 204);
    assert.equal((await c.get('/api/me')).status, 200, 'this session stays');
    assert.equal((await other.get('/api/me')).status, 401, 'other sessions end');
    assert.equal((await w.client().login('pw-user', 'Second#Pass2')).status, 200);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await w.client().get('/api/openapi.json')).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/api/rooms/{id}'].patch.requestBody.content['application/json'].schema.properties.chairPin);
    assert.ok(Object.keys(doc.paths).length >= 30);
  });
});
