// Mail retries (issue 14) against a real SMTP server that goes away and comes
// back: the first attempt fails and the mail stays queued with the error;
// the scheduler's delivery pass tries again after 1, 2, 4 … minutes (fake
// clock), and the mail is sent once the server is back. A permanent refusal
// (550) fails at once; a server that never comes back fails the mail after
// the last attempt. The operator's outbox page shows each with its error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO } from '../../core/seed.ts';
import { Scheduler } from '../../web/scheduler.ts';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';

const MINUTE = 60_000;

interface OutboxJson { to: string; subject: string; status: string; error: string | null; attempts: number; nextAttemptAt: string | null }

describe('mail retries with backoff', { timeout: 60_000 }, () => {
  let smtp: TestSmtp;
  let w: TestWeb;
  let owner: Client;
  let op: Client;
  let scheduler: Scheduler;
  const t0 = new Date('2026-05-01T00:00:00Z');
  const later = (ms: number) => { w.clock.now = new Date(t0.getTime() + ms); };

  before(async () => {
    smtp = await startTestSmtp({ refuse: (rcpt) => rcpt.startsWith('nobody@') });
    await smtp.stop(); // SMTP down from the start
    const config = { smtp: { url: smtp.url, from: 'bridge@example.com' } };
    w = await startTestWeb({ now: t0, config });
    owner = await w.login(DEMO.owner.username, DEMO.owner.password);
    op = await w.login(DEMO.operator.username, DEMO.operator.password);
    scheduler = new Scheduler(w.repos, { defaultRegion: 'CN', secureCookies: false, licensedPorts: 100, ...config }, { now: () => w.clock.now, worker: 'test' });
  });
  after(async () => { await scheduler.stop(); await w.close(); await smtp.stop(); });

  const outbox = async (to: string): Promise<OutboxJson> => {
    const all = (await op.get('/api/operator/outbox')).json<OutboxJson[]>();
    const m = all.find((x) => x.to === to);
    assert.ok(m, `a mail to ${to}`);
    return m;
  };

  it('SMTP down: queued with the error, retried after 1, 2, 4 min; sent when the server is back', async () => {
    const r = await owner.post('/api/rooms', { name: 'Retry me', start: '2026-06-02T09:00', invite: { emails: ['x@example.com'] } });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json<{ invitations: unknown }>().invitations, { sent: 0, queued: 1, outbox: 0, failed: 0, recipients: ['x@example.com'] });
    let m = await outbox('x@example.com');
    assert.equal(m.status, 'queued');
    assert.equal(m.attempts, 1);
    assert.match(m.error ?? '', /ECONNREFUSED/);
    assert.equal(m.nextAttemptAt, new Date(t0.getTime() + MINUTE).toISOString());

    later(MINUTE - 1000);
    assert.equal((await scheduler.tick()).mails, 0, 'not before the backoff');
    later(MINUTE);
    assert.equal((await scheduler.tick()).mails, 1);
    m = await outbox('x@example.com');
    assert.deepEqual([m.status, m.attempts, m.nextAttemptAt], ['queued', 2, new Date(t0.getTime() + 3 * MINUTE).toISOString()]);
    later(3 * MINUTE);
    await scheduler.tick();
    m = await outbox('x@example.com');
    assert.deepEqual([m.status, m.attempts, m.nextAttemptAt], ['queued', 3, new Date(t0.getTime() + 7 * MINUTE).toISOString()]);

    await smtp.start(); // back, on the same port
    later(7 * MINUTE);
    await scheduler.tick();
    const [got] = await smtp.waitFor(1);
    assert.deepEqual(got?.to, ['x@example.com']);
    m = await outbox('x@example.com');
    assert.deepEqual([m.status, m.attempts, m.nextAttemptAt], ['sent', 4, null]);
    later(60 * MINUTE);
    await scheduler.tick();
    assert.equal(smtp.received.length, 1, 'sent once');
  });

  it('a permanent refusal (550) fails at once; a server that stays down fails after the last attempt; the outbox page shows both errors', async () => {
    later(100 * MINUTE);
    const room = (await owner.post('/api/rooms', { name: 'Fail me', start: '2026-06-03T09:00' })).json<{ id: string }>();
    const refused = await owner.post(`/api/rooms/${room.id}/invitations`, { emails: ['nobody@example.com'] });
    assert.equal(refused.status, 200, refused.text);
    assert.equal(refused.json<{ failed: number }>().failed, 1);
    const m = await outbox('nobody@example.com');
    assert.equal(m.status, 'failed');
    assert.equal(m.attempts, 1);
    assert.match(m.error ?? '', /550/);

    await smtp.stop();
    await owner.post(`/api/rooms/${room.id}/invitations`, { emails: ['y@example.com'] });
    // Six attempts in all (default policy): five more passes, each at its backoff (1, 2, 4, 8, 16 min).
    let at = 100 * MINUTE;
    for (const wait of [1, 2, 4, 8, 16]) {
      at += wait * MINUTE;
      later(at);
      assert.equal((await scheduler.tick()).mails, 1, `attempt after ${wait} min`);
    }
    const y = await outbox('y@example.com');
    assert.deepEqual([y.status, y.attempts, y.nextAttemptAt], ['failed', 6, null]);
    assert.match(y.error ?? '', /ECONNREFUSED/);
    later(at + 120 * MINUTE);
    assert.equal((await scheduler.tick()).mails, 0, 'a failed mail is not tried again');

    const page = await op.get('/operator/outbox');
    assert.equal(page.status, 200);
    const row = (to: string) => new RegExp(`<tr data-status="failed">(?:(?!</tr>).)*${to.replace('.', '\\.')}(?:(?!</tr>).)*</tr>`, 's').exec(page.text)?.[0] ?? '';
    assert.match(row('nobody@example.com'), /class="mail-error">[^<]*550/);
    assert.match(row('y@example.com'), /class="mail-error">[^<]*ECONNREFUSED/);
    assert.match(page.text, /<tr data-status="sent">(?:(?!<\/tr>).)*x@example\.com/s);
  });
});
