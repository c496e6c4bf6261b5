// An account's branding on the web (issue 19): the logo upload's rules (SVG,
// HTML passed off as PNG, oversize files and canvases, bad colours, long
// slogans: 400 with a clear error and nothing changed), the public logo and
// stylesheet (the right type, nosniff, cached for good, gone after a change),
// the boundary between accounts and roles, the slogan escaped on pages, and
// the invitation mail's HTML part through a real SMTP server: logo inline
// (cid) and slogan, the text part and the .ics kept — also on a retry.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO } from '../../core/seed.ts';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';
import { bombPng, solidPng, stripedPng } from '../support/png.ts';
import { mimeLeaves } from '../support/mime.ts';
import { MailService, type MailMessage } from '../../web/mail/mailer.ts';
import { LOGO_CID } from '../../web/mail/branded.ts';
import { SUMMARY_JOB, summaryJob } from '../../web/meeting-records/summary-job.ts';
import type { Job } from '../../core/scheduler/store.ts';

const OWNER_B = { username: 'brand-owner-b', password: 'BrandB#2026' };
const NASTY = '<script>alert("x")</script> & <b>bold</b>';

type BrandingJson = {
  branded: boolean; logo: { url: string; contentType: string; width: number; height: number; bytes: number } | null;
  primaryColor: string | null; accentColor: string | null; slogan: string | null; textOnPrimary: string | null; themeUrl: string | null;
};

describe('branding on the web', { timeout: 60_000 }, () => {
  let w: TestWeb;
  let smtp: TestSmtp;
  let a: Client;
  let b: Client;
  let op: Client;
  const logo = stripedPng(96, 32, [200, 30, 40], [255, 255, 255]);
  const b64 = (buf: Buffer) => buf.toString('base64');

  before(async () => {
    smtp = await startTestSmtp();
    w = await startTestWeb({ config: { smtp: { url: smtp.url, from: 'bridge@example.com' } } });
    const accB = await w.repos.accounts.create({ name: 'Brand B Ltd', tier: 'formal' });
    await w.repos.users.create({ accountId: accB.id, role: 'owner', username: OWNER_B.username, password: OWNER_B.password });
    [a, b, op] = await Promise.all([w.login(DEMO.owner.username, DEMO.owner.password), w.login(OWNER_B.username, OWNER_B.password), w.login(DEMO.operator.username, DEMO.operator.password)]);
  });
  after(async () => { await w.close(); await smtp.stop(); });

  const branding = async (c: Client = a) => (await c.get('/api/account/branding')).json<BrandingJson>();

  it('the owner uploads a PNG logo, sets colours and a slogan; each change is audited', async () => {
    assert.equal((await branding()).branded, false);
    const up = await a.put('/api/account/branding/logo', { data: `data:image/png;base64,${b64(logo)}` });
    assert.equal(up.status, 200, up.text);
    const after1 = up.json<BrandingJson>();
    assert.deepEqual({ ...after1.logo, url: undefined }, { url: undefined, contentType: 'image/png', width: 96, height: 32, bytes: logo.length });
    const set = await a.put('/api/account/branding', { primaryColor: '#FFD500', accentColor: '#0b6e4f', slogan: '让沟通更简单 Talk made simple' });
    assert.equal(set.status, 200, set.text);
    const got = await branding();
    assert.equal(got.primaryColor, '#ffd500');
    assert.equal(got.textOnPrimary, '#000000'); // yellow: black text (WCAG AA)
    assert.equal(got.slogan, '让沟通更简单 Talk made simple');
    const actions = (await w.repos.audit.list(w.seed.accountId)).map((e) => e.action);
    assert.ok(actions.includes('branding.logo') && actions.includes('branding.update'), actions.join());
  });

  it('refuses SVG, HTML passed off as PNG, oversize files and canvases, bad colours and long slogans with a 400 that says why; nothing changes', async () => {
    const rejected = async (reason: string) => Number(new RegExp(`bridge_branding_logos_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec((await w.client().get('/metrics')).text)?.[1] ?? 0);
    const svgBefore = await rejected('svg');
    const before1 = await branding();
    const auditBefore = (await w.repos.audit.list(w.seed.accountId)).length;
    const cases: Array<[string, () => Promise<{ status: number; text: string }>, RegExp]> = [
      ['svg', () => a.put('/api/account/branding/logo', { data: `data:image/svg+xml;base64,${b64(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))}` }), /SVG/],
      ['html as png', () => a.put('/api/account/branding/logo', { data: `data:image/png;base64,${b64(Buffer.from('<!doctype html><script>alert(1)</script>'))}` }), /not a PNG, JPEG or WebP/],
      ['png signature + html', () => a.put('/api/account/branding/logo', { data: b64(Buffer.concat([logo.subarray(0, 8), Buffer.from('<html><script>alert(1)</script></html>')])) }), /damaged or incomplete PNG/],
      ['oversize', () => a.put('/api/account/branding/logo', { data: b64(Buffer.concat([logo, Buffer.alloc(300 * 1024)])) }), /at most 256 KB/],
      ['bomb', () => a.put('/api/account/branding/logo', { data: b64(bombPng(40_000, 40_000)) }), /40000×40000 px/],
      ['not base64', () => a.put('/api/account/branding/logo', { data: '!!!notbase64!!!' }), /base64/],
      ['bad colour', () => a.put('/api/account/branding', { primaryColor: 'red' }), /#rrggbb/],
      ['colour injection', () => a.put('/api/account/branding', { accentColor: '#000000;}body{display:none' }), /#rrggbb/],
      ['long slogan', () => a.put('/api/account/branding', { slogan: '会'.repeat(81) }), /81 characters long; at most 80/],
      ['two-line slogan', () => a.put('/api/account/branding', { slogan: 'one\ntwo' }), /one line/],
      ['unknown field', () => a.put('/api/account/branding', { logoUrl: 'https://evil.example/x.png' }), /logoUrl/],
    ];
    for (const [name, call, message] of cases) {
      const r = await call();
      assert.equal(r.status, 400, `${name}: ${r.status} ${r.text}`);
      assert.match(JSON.parse(r.text).message, message, name);
    }
    assert.deepEqual(await branding(), before1);
    assert.equal((await w.repos.audit.list(w.seed.accountId)).length, auditBefore);
    assert.equal(await rejected('svg'), svgBefore + 1, 'counted in bridge_branding_logos_rejected_total');
    assert.ok(await rejected('dimensions') >= 1 && await rejected('too_large') >= 1 && await rejected('malformed') >= 1);
  });

  it('serves the logo and the stylesheet publicly by their unguessable URL: right type, nosniff, cached for good; an old URL is gone', async () => {
    const cur = await branding();
    const anon = w.client();
    const res = await fetch(w.url + cur.logo!.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), logo);
    const css = await anon.get(cur.themeUrl!);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(css.text, /--brand-primary: #ffd500;/);
    assert.match(css.text, /--brand-on-primary: #000000;/);
    assert.match(css.text, /--accent: #0b6e4f;/);
    // A change makes new URLs; the old ones answer 404.
    assert.equal((await a.put('/api/account/branding', { accentColor: '#0b6e4e' })).status, 200);
    assert.equal((await anon.get(cur.logo!.url)).status, 404);
    assert.equal((await anon.get(cur.themeUrl!)).status, 404);
    assert.equal((await anon.get('/branding/00000000000000000000000000000000/logo')).status, 404);
    assert.equal((await anon.get('/branding/not-a-token/theme.css')).status, 404);
    assert.equal((await anon.get((await branding()).logo!.url)).status, 200);
  });

  it('another account cannot read or change it; roles are held; operators read it', async () => {
    const mine = await branding();
    // B's own branding is B's: untouched by A, and B's changes do not reach A.
    assert.equal((await branding(b)).branded, false);
    assert.equal((await b.put('/api/account/branding', { slogan: 'B slogan' })).status, 200);
    assert.equal((await b.put('/api/account/branding/logo', { data: b64(solidPng(8, 8, [0, 0, 0])) })).status, 200);
    assert.equal((await b.delete('/api/account/branding')).status, 200);
    assert.deepEqual(await branding(), mine);
    // B may not use the operators' route for A; nobody without a session gets anything; operators may not act as an owner.
    assert.equal((await b.get(`/api/operator/accounts/${w.seed.accountId}/branding`)).status, 403);
    assert.equal((await w.client().get('/api/account/branding')).status, 401);
    assert.equal((await op.put('/api/account/branding', { slogan: 'operator' })).status, 403);
    const seen = await op.get(`/api/operator/accounts/${w.seed.accountId}/branding`);
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.json(), mine);
    assert.equal((await op.get('/api/operator/accounts/00000000-0000-4000-8000-000000000000/branding')).status, 404);
    // A's pages carry A's branding; B's pages none of it.
    const bPage = (await b.get('/')).text;
    assert.ok(!bPage.includes(mine.themeUrl!) && !bPage.includes('Talk made simple'));
    const opPage = await op.get('/operator/accounts');
    assert.ok(opPage.text.includes(mine.logo!.url) && opPage.text.includes('Talk made simple'), 'the operators see the branding on the accounts page');
  });

  it('escapes a slogan with markup on every page and in the JSON; the CSP still forbids inline style and script', async () => {
    assert.equal((await a.put('/api/account/branding', { slogan: NASTY })).status, 200);
    assert.equal((await branding()).slogan, NASTY);
    for (const path of ['/', '/rooms', '/account']) {
      const page = await a.get(path);
      assert.equal(page.status, 200);
      assert.ok(!page.text.includes('<script>alert'), `${path}: the slogan is not markup`);
      assert.ok(page.text.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;'), `${path}: the slogan is shown escaped`);
      assert.match(page.text, /<link rel="stylesheet" href="\/branding\/[0-9a-f]{32}\/theme\.css"/);
      assert.match(page.text, /<img class="brand-logo" id="brand-logo" src="\/branding\/[0-9a-f]{32}\/logo"/);
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /style-src 'self';/);
      assert.match(csp, /script-src 'self';/);
      assert.ok(!/ style="/.test(page.text), `${path}: no inline style attribute`);
    }
  });

  it('the invitation mail carries an HTML part with the logo inline (cid) and the escaped slogan, beside the text and the .ics', async () => {
    const created = await a.post('/api/rooms', { name: 'Brand review', start: '2027-06-02T09:00', durationHours: 1, invite: { emails: ['guest@example.com'] } });
    assert.equal(created.status, 201, created.text);
    const [mail] = await smtp.waitFor(1);
    const leaves = mimeLeaves(mail!.raw);
    const types = leaves.map((l) => l.contentType);
    assert.ok(types.includes('text/plain') && types.includes('text/html') && types.includes('text/calendar'), types.join());
    const htmlPart = leaves.find((l) => l.contentType === 'text/html')!.body.toString('utf8');
    assert.ok(htmlPart.includes(`src="cid:${LOGO_CID}"`), 'the logo is referenced by cid');
    assert.ok(htmlPart.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;'), 'the slogan, escaped');
    assert.ok(!htmlPart.includes('<script>'));
    assert.ok(htmlPart.includes('background:#ffd500;color:#000000'), 'the header in the primary colour with AA text');
    assert.ok(htmlPart.includes('Brand review'));
    const image = leaves.find((l) => l.contentId === `<${LOGO_CID}>`);
    assert.ok(image, 'an inline part with the logo\'s Content-ID');
    assert.equal(image.contentType, 'image/png');
    assert.deepEqual(image.body, logo);
    assert.match(leaves.find((l) => l.contentType === 'text/plain')!.body.toString('utf8'), /Brand review/);
    assert.match(/multipart\/related/i.exec(mail!.raw)?.[0] ?? '', /related/i);
  });

  it('a branded mail that waits for a retry keeps its HTML and gets its logo again from the store', async () => {
    let fail = true;
    const sent: MailMessage[] = [];
    const mail = new MailService(w.repos.outbox, { send: async (m) => { if (fail) throw new Error('SMTP down'); sent.push(m); } }, () => w.clock.now,
      { baseDelayMs: 1 }, async (sha) => (await w.repos.branding.logoFile(sha))?.content);
    const { withBranding } = await import('../../web/mail/branded.ts');
    const account = await w.repos.accounts.get(w.seed.accountId);
    const m = await withBranding(w.repos.branding, account, { to: 'retry@example.com', subject: 'Retry', text: 'Hello\n\nhttps://example.com/x' }, 'en');
    const row = await mail.send(account.id, m);
    assert.equal(row.status, 'queued');
    fail = false;
    w.clock.now = new Date(w.clock.now.getTime() + 200_000);
    const again = await mail.deliverDue();
    assert.equal(again.find((r) => r.id === row.id)?.status, 'sent');
    const out = sent.find((s) => s.to === 'retry@example.com')!;
    assert.ok(out.html?.includes(`cid:${LOGO_CID}`) && out.html.includes('<a href="https://example.com/x">'));
    assert.deepEqual(out.inline?.[0]?.content, logo);
  });

  it('the meeting summary mail carries the HTML part with the logo cid and the slogan too', async () => {
    const sent: MailMessage[] = [];
    const mail = new MailService(w.repos.outbox, { send: async (m) => { sent.push(m); } }, () => w.clock.now);
    const acc = w.seed.accountId;
    const room = await w.repos.rooms.create(acc, { name: 'Summary room', number: '7650001', chairPin: '111222', guestPin: '333444' }, { now: w.clock.now });
    const { conference } = await w.repos.conferences.startOrGet(acc, { roomId: room.id, at: w.clock.now });
    await w.repos.conferences.end(acc, conference.id, { at: new Date(w.clock.now.getTime() + 60_000), reason: 'last_left' });
    await w.repos.meetingRecords.setSettings(acc, { summaryMail: true }, new Date(w.clock.now.getTime() - 60_000));
    const run = summaryJob(w.repos, mail, { publicUrl: 'https://meet.example.com', defaultRegion: 'CN' });
    await run({ id: 'job-1', kind: SUMMARY_JOB, payload: { accountId: acc, conferenceId: conference.id } } as unknown as Job, w.clock.now);
    const m = sent.find((x) => x.subject.includes('Summary room'));
    assert.ok(m, sent.map((x) => x.subject).join());
    assert.ok(m.html?.includes(`src="cid:${LOGO_CID}"`) && m.html.includes('&lt;script&gt;alert(&quot;x&quot;)'), 'logo cid and escaped slogan');
    assert.ok(!m.html!.includes('<script>'));
    assert.deepEqual(m.inline?.map((i) => [i.cid, i.contentType]), [[LOGO_CID, 'image/png']]);
    assert.match(m.text, /Summary room/);
  });

  it('reset brings the default look back: no theme, no logo on the pages', async () => {
    const old = await branding();
    const r = await a.delete('/api/account/branding');
    assert.equal(r.status, 200);
    assert.equal((await branding()).branded, false);
    const page = (await a.get('/')).text;
    assert.ok(!page.includes('/branding/'));
    assert.equal((await w.client().get(old.logo!.url)).status, 404);
    assert.ok((await w.repos.audit.list(w.seed.accountId)).some((e) => e.action === 'branding.reset'));
  });
});
