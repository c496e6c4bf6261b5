// The invitees hear of every change (issue 14), through a real SMTP server:
// an edit mails the updated .ics with a higher SEQUENCE (same UID), a
// deleted meeting mails METHOD:CANCEL with STATUS:CANCELLED. Another
// account's room is 404, and mails nobody.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { DEMO } from '../../core/seed.ts';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { startTestSmtp, textAndIcs, type ReceivedMail, type TestSmtp } from '../support/smtp.ts';

function calendar(m: ReceivedMail): { method: string; status: string | null; uid: string; sequence: number; start: string } {
  const cal = new ICAL.Component(ICAL.parse(textAndIcs(m.raw).ics));
  for (const vtz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtz);
  const vevent = cal.getFirstSubcomponent('vevent')!;
  const ev = new ICAL.Event(vevent);
  const status = vevent.getFirstPropertyValue('status');
  return { method: String(cal.getFirstPropertyValue('method')), status: status === null ? null : String(status), uid: ev.uid, sequence: ev.sequence, start: ev.startDate.toJSDate().toISOString() };
}

describe('meeting mail: updates and cancellation', { timeout: 60_000 }, () => {
  let w: TestWeb;
  let smtp: TestSmtp;
  let owner: Client;

  before(async () => {
    smtp = await startTestSmtp();
    w = await startTestWeb({ now: new Date('2026-05-01T00:00:00Z'), config: { smtp: { url: smtp.url, from: 'bridge@example.com' } } });
    owner = await w.login(DEMO.owner.username, DEMO.owner.password);
  });
  after(async () => { await w.close(); await smtp.stop(); });

  it('an edit sends the updated .ics with SEQUENCE raised; a delete sends METHOD:CANCEL', async () => {
    const created = await owner.post('/api/rooms', {
      name: 'Board', start: '2026-06-02T09:00', durationHours: 1, recurrence: { freq: 'weekly', end: 'count', count: 4 },
      invite: { emails: ['a@example.com', 'b@example.com'] },
    });
    assert.equal(created.status, 201, created.text);
    const room = created.json<{ id: string; invitations: { sent: number } }>();
    assert.equal(room.invitations.sent, 2);
    const invites = await smtp.waitFor(2);
    const first = calendar(invites[0]!);
    assert.equal(first.method, 'REQUEST');
    assert.equal(first.start, '2026-06-02T01:00:00.000Z');

    // Move it to 10:00: both invitees get the update, SEQUENCE higher, same UID, the new time.
    const moved = await owner.patch(`/api/rooms/${room.id}`, { start: '2026-06-02T10:00' });
    assert.equal(moved.status, 200, moved.text);
    const updates = (await smtp.waitFor(4)).slice(2);
    assert.deepEqual(updates.map((m) => m.to[0]).sort(), ['a@example.com', 'b@example.com']);
    for (const m of updates) {
      const c = calendar(m);
      assert.equal(c.method, 'REQUEST');
      assert.equal(c.uid, first.uid);
      assert.ok(c.sequence > first.sequence, `SEQUENCE ${c.sequence} > ${first.sequence}`);
      assert.equal(c.start, '2026-06-02T02:00:00.000Z');
      assert.match(m.subject, /Board/);
    }
    const second = calendar(updates[0]!).sequence;

    // A second edit that also invites someone new: the new one gets the invitation, the others the update, nobody two mails.
    const again = await owner.patch(`/api/rooms/${room.id}`, { name: 'Board (moved)', invite: { emails: ['c@example.com', 'a@example.com'] } });
    assert.equal(again.status, 200, again.text);
    const third = (await smtp.waitFor(7)).slice(4);
    assert.deepEqual(third.map((m) => m.to[0]).sort(), ['a@example.com', 'b@example.com', 'c@example.com']);
    assert.ok(third.every((m) => calendar(m).sequence > second));

    // An edit the invitation does not show (the auto-invite list) mails nobody.
    assert.equal((await owner.patch(`/api/rooms/${room.id}`, { autoInvites: ['13900139001 Zhang'] })).status, 200);
    assert.equal(smtp.received.length, 7);

    // Another account's owner: 404 for the edit and the delete, and no mail.
    const accB = await w.repos.accounts.create({ name: 'B Ltd', tier: 'formal' });
    await w.repos.users.create({ accountId: accB.id, role: 'owner', username: 'owner-b', password: 'Other#Pass2026' });
    const b = await w.login('owner-b', 'Other#Pass2026');
    assert.equal((await b.patch(`/api/rooms/${room.id}`, { name: 'hijack' })).status, 404);
    assert.equal((await b.delete(`/api/rooms/${room.id}`)).status, 404);
    assert.equal(smtp.received.length, 7);

    // Delete: METHOD:CANCEL, STATUS:CANCELLED to all three, SEQUENCE higher still.
    assert.equal((await owner.delete(`/api/rooms/${room.id}`)).status, 204);
    const cancels = (await smtp.waitFor(10)).slice(7);
    assert.deepEqual(cancels.map((m) => m.to[0]).sort(), ['a@example.com', 'b@example.com', 'c@example.com']);
    for (const m of cancels) {
      const c = calendar(m);
      assert.equal(c.method, 'CANCEL');
      assert.equal(c.status, 'CANCELLED');
      assert.equal(c.uid, first.uid);
      assert.ok(c.sequence > calendar(third[0]!).sequence);
      assert.match(m.raw, /method=CANCEL/i, 'the calendar part announces CANCEL too');
    }
    assert.equal(smtp.received.length, 10, 'nothing else was sent');
  });
});
