// Webhooks through the API against a real HTTP server (node:http on
// 127.0.0.1, allowed by this test's BRIDGE_WEBHOOK_ALLOW): the owner adds an
// endpoint (the secret in that answer only), a test event arrives signed
// (checked with the documented verifySignature; a tampered body fails); a
// server answering 500 gets retries with backoff, the log shows every
// attempt and its 500, then the 200; a 404 fails at once; a redirect is not
// followed; a disabled endpoint gets nothing; redelivery; balance.low from
// the low-balance sweep; two web processes hearing the same live events
// write each once, invite states in order; two senders on one database
// never send a delivery twice; forbidden addresses are refused at save time
// with a clear error; the page in both languages; audit entries and
// metrics. (The request itself: webhooks-network.test.ts.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { DEMO } from '../../core/seed.ts';
import { verifySignature } from '../../core/webhooks/signature.ts';
import { WebhookSender } from '../../web/webhooks/sender.ts';
import { AddressGuard } from '../../web/webhooks/address-guard.ts';
import { WebhookService } from '../../web/webhooks/service.ts';
import { DEFAULT_WEBHOOK_SETTINGS } from '../../web/config.ts';
import { samples } from '../support/prom-text.ts';
import { noteCharge } from '../../core/billing/low-balance.ts';
import { LowBalanceMailer } from '../../web/account/low-balance.ts';
import { WebhookEventFeed } from '../../web/webhooks/event-feed.ts';
import { MailService } from '../../web/mail/mailer.ts';
import { FakeLiveHost } from '../support/fake-live-host.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import { INVITE_STATE_NAMES } from '../../core/live/messages.ts';

const FAST = { allow: ['127.0.0.1/32'], retryBaseMs: 300, retryMaxMs: 1200, retryForMs: 60_000, timeoutMs: 3000, pollMs: 50 };
type Log = { id: string; status: string; attempts: number; eventType: string; log: Array<{ attempt: number; statusCode: number | null; error: string | null; at: string }> };

describe('webhooks', () => {
  let w: TestWeb;
  let owner: Client;
  let rx: WebhookReceiver;
  let hook: { id: string; secret: string; url: string };

  const deliveries = async (id = hook.id) => {
    const r = await owner.get(`/api/webhooks/${id}/deliveries`);
    assert.equal(r.status, 200, r.text);
    return r.json<Log[]>();
  };
  const waitDelivery = async (pred: (l: Log[]) => boolean, what: string, timeoutMs = 15_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const l = await deliveries();
      if (pred(l)) return l;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(l.map((x) => [x.status, x.attempts]))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  before(async () => {
    rx = await WebhookReceiver.start();
    w = await startTestWeb({ config: { webhooks: FAST } });
    owner = await w.login(DEMO.owner.username, DEMO.owner.password);
  });
  after(async () => { await w?.close(); await rx?.close(); });

  it('adds an endpoint: the answer holds the secret, the list never does; audited', async () => {
    const r = await owner.post('/api/webhooks', { url: `${rx.url}/hooks/bridge`, description: 'CRM', events: ['meeting.started', 'participant.joined'] });
    assert.equal(r.status, 201, r.text);
    hook = r.json();
    assert.match(hook.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    const list = await owner.get('/api/webhooks');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json<Array<{ id: string }>>().map((e) => e.id), [hook.id]);
    assert.ok(!list.text.includes(hook.secret), 'the secret is shown once');
    assert.ok(!(await owner.get('/webhooks')).text.includes(hook.secret), 'not on the page either');
    const audit = await w.repos.audit.list(w.seed.accountId, { action: 'webhook.create' });
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.targetId, hook.id);
  });

  it('a test event arrives signed: verifySignature accepts the raw body and refuses a tampered one', async () => {
    const before = rx.received.length;
    const t = await owner.post(`/api/webhooks/${hook.id}/test`);
    assert.equal(t.status, 202, t.text);
    await rx.waitFor('the test event', (r) => r.length > before);
    const req = rx.received[before]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/hooks/bridge');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-bridge-event'], 'webhook.test');
    assert.equal(req.headers['x-bridge-delivery'], t.json<{ id: string }>().id);
    const sig = String(req.headers['x-bridge-signature']);
    assert.deepEqual(verifySignature(hook.secret, sig, req.raw).ok, true);
    const body = JSON.parse(req.raw.toString('utf8')) as { id: string; type: string; accountId: string };
    assert.equal(body.type, 'webhook.test');
    assert.equal(body.accountId, w.seed.accountId);
    const tampered = Buffer.from(req.raw.toString('utf8').replace('test event', 'test evenT'));
    assert.deepEqual(verifySignature(hook.secret, sig, tampered), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifySignature('whsec_wrong', sig, req.raw), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifySignature(hook.secret, sig, req.raw, { now: new Date(Date.now() + 600_000) }), { ok: false, reason: 'too_old' });
    const log = await waitDelivery((l) => l[0]?.status === 'delivered', 'delivered');
    assert.deepEqual(log[0]!.log.map((a) => a.statusCode), [200]);
  });

  it('a server answering 500 gets retries with backoff; the log shows each 500, then the 200', async () => {
    const start = rx.received.length;
    rx.answer = (n) => (n - start < 3 ? 500 : 200);
    const t = await owner.post(`/api/webhooks/${hook.id}/test`);
    const id = t.json<{ id: string }>().id;
    await rx.waitFor('four tries', (r) => r.length >= start + 4, 20_000);
    const log = await waitDelivery((l) => l.find((x) => x.id === id)?.status === 'delivered', 'delivered after retries');
    const d = log.find((x) => x.id === id)!;
    assert.equal(d.attempts, 4);
    assert.deepEqual(d.log.map((a) => [a.attempt, a.statusCode]), [[1, 500], [2, 500], [3, 500], [4, 200]]);
    assert.match(d.log[0]!.error ?? '', /^HTTP 500: error 500/);
    // Each wait is at least half the step (jitter): 150, 300, 600 ms.
    const times = rx.received.slice(start, start + 4).map((r) => r.at);
    for (let i = 1; i < 4; i++) assert.ok(times[i]! - times[i - 1]! >= FAST.retryBaseMs * 2 ** (i - 1) / 2 - 20, `gap ${i}: ${times[i]! - times[i - 1]!} ms`);
    // The same body each time, each signed.
    const raws = rx.received.slice(start, start + 4);
    for (const r of raws) assert.equal(verifySignature(hook.secret, String(r.headers['x-bridge-signature']), r.raw).ok, true);
    assert.equal(new Set(raws.map((r) => r.raw.toString())).size, 1);
    // The page shows the codes.
    const page = await owner.get('/webhooks');
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(`data-delivery-id="${id}" data-status="delivered"`));
    assert.equal((page.text.match(/<strong>HTTP 500<\/strong>/g) ?? []).length >= 3, true);
    rx.answer = () => 200;
  });

  it('retries end with the retry window: a server that keeps answering 503 fails the delivery when the window is over', async () => {
    const r = await owner.post('/api/webhooks', { url: `${rx.url}/always-503`, events: ['meeting.ended'] });
    const ep = r.json<{ id: string }>();
    const prev = rx.answer;
    rx.answer = (n, req) => (req.path === '/always-503' ? 503 : prev(n, req));
    const short = { ...DEFAULT_WEBHOOK_SETTINGS, ...FAST, retryForMs: 1500 };
    const service = new WebhookService(w.repos, new AddressGuard(FAST), short, () => new Date());
    const started = Date.now();
    assert.equal(await service.publish({ id: 'evt_window', type: 'meeting.ended', occurredAt: new Date().toISOString(), accountId: w.seed.accountId, data: {} }), 1);
    const end = Date.now() + 15_000;
    let d: Log | undefined;
    while (Date.now() < end) {
      d = (await deliveries(ep.id))[0];
      if (d?.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(d?.status, 'failed', JSON.stringify(d));
    assert.ok(d!.attempts >= 2, `${d!.attempts} attempts`);
    assert.ok(d!.log.every((a) => a.statusCode === 503));
    const last = Date.parse(d!.log.at(-1)!.at);
    assert.ok(last - started <= 1500 + 500, 'no attempt after the window');
    rx.answer = prev;
    assert.equal((await owner.delete(`/api/webhooks/${ep.id}`)).status, 204);
  });

  it('4xx other than 429 fails at once; a redirect is not followed; redeliver sends it again', async () => {
    const start = rx.received.length;
    rx.answer = (n) => (n === start ? 404 : n === start + 1 ? { status: 302, headers: { location: `${rx.url}/elsewhere` } } : 200);
    const a = (await owner.post(`/api/webhooks/${hook.id}/test`)).json<{ id: string }>().id;
    await waitDelivery((l) => l.find((x) => x.id === a)?.status === 'failed', '404 failed');
    const b = (await owner.post(`/api/webhooks/${hook.id}/test`)).json<{ id: string }>().id;
    const log = await waitDelivery((l) => l.find((x) => x.id === b)?.status === 'failed', '302 failed');
    assert.deepEqual(log.find((x) => x.id === a)!.log.map((x) => x.statusCode), [404]);
    const redirected = log.find((x) => x.id === b)!;
    assert.deepEqual(redirected.log.map((x) => x.statusCode), [302]);
    assert.match(redirected.log[0]!.error ?? '', /redirects are not followed/);
    assert.ok(!rx.received.some((r) => r.path === '/elsewhere'), 'the Location was never asked for');
    // Redeliver the 404 one: now answered 200.
    const re = await owner.post(`/api/webhook-deliveries/${a}/redeliver`);
    assert.equal(re.status, 202, re.text);
    const after = await waitDelivery((l) => l.find((x) => x.id === a)?.status === 'delivered', 'redelivered');
    assert.deepEqual(after.find((x) => x.id === a)!.log.map((x) => x.statusCode), [404, 200]);
    assert.equal((await w.repos.audit.list(w.seed.accountId, { action: 'webhook.redeliver' })).length, 1);
  });

  it('a disabled endpoint gets no events; enabled again it does', async () => {
    assert.equal((await owner.patch(`/api/webhooks/${hook.id}`, { enabled: false })).status, 200);
    const e = { id: 'evt_x', type: 'meeting.started' as const, occurredAt: new Date().toISOString(), accountId: w.seed.accountId, data: {} };
    const service = new WebhookService(w.repos, new AddressGuard(FAST), { ...DEFAULT_WEBHOOK_SETTINGS, ...FAST }, () => new Date());
    assert.equal(await service.publish(e), 0, 'no delivery written for a disabled endpoint');
    assert.equal((await owner.patch(`/api/webhooks/${hook.id}`, { enabled: true })).status, 200);
    assert.equal(await service.publish(e), 1);
    assert.equal(await service.publish(e), 0, 'the same event twice: one delivery');
    assert.equal(await service.publish({ ...e, id: 'evt_y', type: 'balance.low' }), 0, 'not subscribed');
    const actions = (await w.repos.audit.list(w.seed.accountId, { limit: 20 })).map((x) => x.action);
    assert.ok(actions.includes('webhook.disable') && actions.includes('webhook.enable'));
  });

  it('a low-balance crossing claimed by the sweep is pushed as balance.low, once', async () => {
    const r = await owner.post('/api/webhooks', { url: `${rx.url}/balance`, events: ['balance.low'] });
    assert.equal(r.status, 201);
    const { secret } = r.json<{ secret: string }>();
    const acc = w.seed.accountId;
    const balance = (await w.repos.accounts.get(acc)).balanceMinor;
    await w.repos.lowBalance.setThreshold(acc, balance + 100);
    assert.equal(await w.db.transaction((trx) => noteCharge(trx, acc, 'leg-1')), true, 'the crossing noted');
    const service = new WebhookService(w.repos, new AddressGuard(FAST), { ...DEFAULT_WEBHOOK_SETTINGS, ...FAST }, () => new Date());
    const sender = new WebhookSender(w.repos.webhooks, new AddressGuard(FAST), { ...DEFAULT_WEBHOOK_SETTINGS, ...FAST }).start();
    service.onQueued(() => sender.kick());
    const feed = new WebhookEventFeed(w.repos, service, undefined);
    const mailer = new LowBalanceMailer(w.repos, new MailService(w.repos.outbox, undefined, () => new Date()), () => new Date(), (st) => feed.publishBalanceLow(st, new Date()));
    try {
      await mailer.sweep();
      await mailer.sweep(); // claimed already: nothing more
      await rx.waitFor('balance.low', (rs) => rs.some((x) => x.path === '/balance'));
      await new Promise((res) => setTimeout(res, 300));
    } finally {
      await sender.stop();
    }
    const got = rx.received.filter((x) => x.path === '/balance');
    assert.equal(got.length, 1);
    assert.equal(verifySignature(secret, String(got[0]!.headers['x-bridge-signature']), got[0]!.raw).ok, true);
    const body = JSON.parse(got[0]!.raw.toString()) as { type: string; data: { balanceMinor: number; thresholdMinor: number; currency: string } };
    assert.equal(body.type, 'balance.low');
    assert.deepEqual(body.data, { balanceMinor: balance, thresholdMinor: balance + 100, currency: 'CNY' });
    await w.repos.lowBalance.setThreshold(acc, 0);
  });

  it('two web processes hearing the same live events write each once; invite states arrive in order', async () => {
    const r = await owner.post('/api/webhooks', { url: `${rx.url}/invites`, events: ['invite.state_changed', 'participant.left'] });
    const { secret } = r.json<{ secret: string }>();
    const host = new FakeLiveHost();
    const bus = new LocalLiveBus(host);
    const settings = { ...DEFAULT_WEBHOOK_SETTINGS, ...FAST };
    // Two "processes": each its own service and feed on the one database; the web's sender sends.
    const feeds = [0, 1].map(() => new WebhookEventFeed(w.repos, new WebhookService(w.repos, new AddressGuard(FAST), settings, () => new Date()), undefined));
    const stops = feeds.map((f) => f.watch(bus));
    const acc = w.seed.accountId;
    const states = ['queued', 'calling', 'ringing', 'answered', 'joined'] as const satisfies ReadonlyArray<(typeof INVITE_STATE_NAMES)[number]>;
    try {
      states.forEach((state, i) => {
        const at = new Date(Date.now() + i).toISOString();
        host.emit({ type: 'invite', conferenceId: 'conf-1', accountId: acc, at, invite: { id: 'inv-1', target: '13900139001', name: 'Zhang', state, q850Cause: null, sipStatus: null, participantId: null, updatedAt: at } });
      });
      host.emit({ type: 'talking', conferenceId: 'conf-1', accountId: acc, at: new Date().toISOString(), participantId: 'p1', talking: true });
      host.emit({ type: 'left', conferenceId: 'conf-1', accountId: acc, at: new Date().toISOString(), participantId: 'p1', reason: 'kicked' });
      // Another account's event reaches no endpoint of this one.
      host.emit({ type: 'left', conferenceId: 'conf-2', accountId: (await w.repos.accounts.create({ name: 'Other' })).id, at: new Date().toISOString(), participantId: 'p9', reason: 'hangup' });
      await Promise.all(feeds.map((f) => f.settled()));
      await rx.waitFor('six events', (rs) => rs.filter((x) => x.path === '/invites').length >= 6);
      await new Promise((res) => setTimeout(res, 300));
    } finally {
      for (const stop of stops) stop();
    }
    const got = rx.received.filter((x) => x.path === '/invites');
    assert.equal(got.length, 6, 'each event once, though two processes wrote it');
    for (const g of got) assert.equal(verifySignature(secret, String(g.headers['x-bridge-signature']), g.raw).ok, true);
    const bodies = got.map((g) => JSON.parse(g.raw.toString()) as { type: string; data: { invite?: { state: string }; participantId?: string } });
    assert.deepEqual(bodies.map((b) => b.data.invite?.state ?? b.type), [...states, 'participant.left']);
    assert.equal(bodies[5]!.data.participantId, 'p1');
  });

  it('two senders on one database never send a delivery twice', async () => {
    // This test's own endpoint (as a second process would see it), with the web's sender racing the two below.
    const r = await owner.post('/api/webhooks', { url: `${rx.url}/race`, events: ['meeting.ended'] });
    const ep = r.json<{ id: string }>();
    const settings = { ...DEFAULT_WEBHOOK_SETTINGS, ...FAST };
    const service = new WebhookService(w.repos, new AddressGuard(FAST), settings, () => new Date());
    const n = 30;
    for (let i = 0; i < n; i++) {
      await service.publish({ id: `evt_race_${i}`, type: 'meeting.ended', occurredAt: new Date().toISOString(), accountId: w.seed.accountId, data: { i } });
    }
    const senders = [new WebhookSender(w.repos.webhooks, new AddressGuard(FAST), settings), new WebhookSender(w.repos.webhooks, new AddressGuard(FAST), settings)];
    for (const s of senders) s.start();
    try {
      await rx.waitFor('all race deliveries', (rs) => rs.filter((x) => x.path === '/race').length >= n, 20_000);
      await new Promise((res) => setTimeout(res, 300)); // a duplicate would come now
    } finally {
      await Promise.all(senders.map((s) => s.stop()));
    }
    const ids = rx.received.filter((x) => x.path === '/race').map((x) => String(x.headers['x-bridge-delivery']));
    assert.equal(ids.length, n, 'each delivery sent once');
    assert.equal(new Set(ids).size, n);
    assert.equal((await owner.delete(`/api/webhooks/${ep.id}`)).status, 204);
  });

  it('refuses forbidden addresses at save time with a clear error (no allow list)', async () => {
    const strict = await startTestWeb({ config: { webhooks: { ...FAST, allow: [] } } });
    try {
      const c = await strict.login(DEMO.owner.username, DEMO.owner.password);
      const cases: Array<[string, RegExp]> = [
        ['http://10.0.0.1/hook', /10\.0\.0\.1: private address/],
        ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254: link-local address/],
        [`${rx.url}/hook`, /127\.0\.0\.1: loopback address/],
        ['http://[::1]:8080/hook', /::1: loopback address/],
        [`http://localhost:${rx.port}/hook`, /\(localhost\): loopback address/],
        ['http://[::ffff:127.0.0.1]/hook', /loopback address/],
        ['http://100.64.1.1/hook', /CGNAT address/],
        ['http://0.0.0.0/hook', /unspecified address/],
        ['http://224.0.0.251/hook', /multicast address/],
        ['http://[fd00::1]/hook', /private address/],
      ];
      for (const [url, why] of cases) {
        const r = await c.post('/api/webhooks', { url, events: ['meeting.started'] });
        assert.equal(r.status, 400, `${url}: ${r.status} ${r.text}`);
        const body = r.json<{ error: string; message: string; field: string }>();
        assert.equal(body.field, 'url');
        assert.match(body.message, why, url);
        assert.match(body.message, /BRIDGE_WEBHOOK_ALLOW/);
      }
      for (const [url, why] of [['ftp://example.com/x', /https:\/\/ or http:\/\//], ['http://user:pw@example.com/x', /user name or password/], ['not a url', /not a URL/]] as const) {
        const r = await c.post('/api/webhooks', { url, events: ['meeting.started'] });
        assert.equal(r.status, 400, url);
        assert.match(r.json<{ message: string }>().message, why);
      }
      assert.equal((await c.post('/api/webhooks', { url: 'http://8.8.8.8/x', events: [] })).status, 400, 'at least one event');
      assert.equal((await c.post('/api/webhooks', { url: 'http://8.8.8.8/x', events: ['no.such'] })).status, 400);
      assert.deepEqual((await c.get('/api/webhooks')).json(), [], 'nothing saved');
    } finally {
      await strict.close();
    }
  });

  it('the page in both languages, and the metrics', async () => {
    for (const [locale, texts] of [['en', ['Delivery log', 'Send test event', 'Participant joined', 'delivered']], ['zh-CN', ['推送记录', '发送测试事件', '参会者加入', '已送达']]] as const) {
      assert.equal((await owner.put('/api/me/locale', { locale })).status, 200);
      const p = await owner.get('/webhooks');
      assert.equal(p.status, 200);
      for (const t of texts) assert.ok(p.text.includes(t), `${locale}: ${t}`);
      assert.ok(p.text.includes('href="/webhooks"'), 'in the navigation');
    }
    const m = await w.client().get('/metrics');
    const metrics = samples(m.text);
    const count = (outcome: string) => metrics.filter((x) => x.name === 'bridge_webhook_deliveries_total' && x.labels.outcome === outcome).reduce((n, x) => n + x.value, 0);
    assert.ok(count('delivered') >= 5, `delivered ${count('delivered')}`);
    assert.ok(count('retry') >= 3, `retry ${count('retry')}`);
    assert.ok(count('failed') >= 2, `failed ${count('failed')}`);
    assert.ok(metrics.some((x) => x.name === 'bridge_webhook_deliveries_pending'), 'the pending gauge');
  });
});
