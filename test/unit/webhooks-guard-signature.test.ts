// The webhook pieces without a network: which addresses are forbidden (and
// the operator's allow list), the signature a receiver checks (tampered
// body, wrong secret, old timestamp, malformed header), the retry schedule,
// and the events made from live messages (ids stable across processes).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddressGuard, unmapIPv4 } from '../../web/webhooks/address-guard.ts';
import { newSigningSecret, signatureHeader, verifySignature } from '../../core/webhooks/signature.ts';
import { isTemporary, retryDelayMs } from '../../web/webhooks/sender.ts';
import { fromLiveEvent } from '../../core/webhooks/events.ts';
import { ValidationError } from '../../core/errors.ts';
import { loadConfig } from '../../common/config.ts';

describe('webhook address guard', () => {
  const guard = new AddressGuard({ resolve: async (h) => (h === 'inside.test' ? ['93.184.216.34', '10.1.2.3'] : h === 'outside.test' ? ['93.184.216.34'] : []) });

  it('refuses loopback, private, link-local, CGNAT, multicast, unspecified, reserved and mapped forms', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.1', 'loopback'], ['127.8.9.10', 'loopback'], ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'], ['169.254.169.254', 'link-local'], ['100.64.0.1', 'CGNAT'], ['100.127.255.254', 'CGNAT'],
      ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'], ['0.0.0.0', 'unspecified'], ['255.255.255.255', 'reserved'],
      ['::1', 'loopback'], ['::', 'unspecified'], ['fc00::1', 'private'], ['fd12:3456::1', 'private'], ['fe80::1', 'link-local'],
      ['ff02::1', 'multicast'], ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:10.0.0.1', 'private'],
      ['::ffff:a9fe:a9fe', 'link-local'], ['64:ff9b::a00:1', 'NAT64'], ['::ffff:0:7f00:1', 'loopback'], ['2002:7f00:1::', '6to4'],
      ['::0.0.0.1', 'loopback'], ['fe80::1%eth0', 'link-local'],
    ];
    for (const [a, why] of cases) assert.equal(guard.refusal(a), why, a);
    for (const a of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) assert.equal(guard.refusal(a), null, a);
  });

  it('unmaps IPv4-mapped IPv6 addresses', () => {
    assert.equal(unmapIPv4('::ffff:192.168.0.1'), '192.168.0.1');
    assert.equal(unmapIPv4('::ffff:c0a8:1'), '192.168.0.1');
    assert.equal(unmapIPv4('2001:db8::1'), '2001:db8::1');
    assert.equal(unmapIPv4('8.8.8.8'), '8.8.8.8');
  });

  it('allows what the operator lists, and only that', () => {
    const g = new AddressGuard({ allow: ['127.0.0.1/32', '10.20.0.0/16', 'fd00::/8'] });
    assert.equal(g.refusal('127.0.0.1'), null);
    assert.equal(g.refusal('::ffff:127.0.0.1'), null);
    assert.equal(g.refusal('127.0.0.2'), 'loopback');
    assert.equal(g.refusal('10.20.3.4'), null);
    assert.equal(g.refusal('10.21.3.4'), 'private');
    assert.equal(g.refusal('fd00::5'), null);
    assert.equal(g.refusal('::1'), 'loopback');
  });

  it('refuses the bridge\'s own addresses (interfaces and configured hosts)', () => {
    const g = new AddressGuard({ ownAddresses: ['203.0.113.7'] });
    assert.equal(g.refusal('203.0.113.7'), "the bridge's own address");
    assert.equal(g.refusal('203.0.113.8'), null);
  });

  it('checks every address a name resolves to', async () => {
    assert.deepEqual(await guard.check('outside.test'), ['93.184.216.34']);
    await assert.rejects(guard.check('inside.test'), (e: unknown) => e instanceof ValidationError && /10\.1\.2\.3 \(inside\.test\): private/.test(e.message));
    await assert.rejects(guard.check('nothing.test'), /has no address/);
    await assert.rejects(guard.check('[::1]'), /loopback/);
  });

  it('takes BRIDGE_WEBHOOK_ALLOW as a CIDR list and refuses a bad one at start-up', () => {
    assert.deepEqual(loadConfig({ BRIDGE_WEBHOOK_ALLOW: '127.0.0.1/32, 10.0.0.0/8,fd00::/8' }).webhooks.allow, ['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8']);
    assert.throws(() => loadConfig({ BRIDGE_WEBHOOK_ALLOW: '10.0.0.0/33' }), /webhooks\.allow/);
    assert.throws(() => loadConfig({ BRIDGE_WEBHOOK_ALLOW: 'example.com' }), /webhooks\.allow/);
    assert.equal(loadConfig({}).webhooks.retryForMs, 86_400_000);
  });
});

describe('webhook signature', () => {
  const secret = newSigningSecret();
  const body = JSON.stringify({ id: 'evt_1', type: 'meeting.started', data: { roomName: '会议 ✓' } });
  const now = new Date('2026-12-06T12:00:00Z');
  const t = Math.floor(now.getTime() / 1000);

  it('verifies what was signed, and nothing else', () => {
    const header = signatureHeader(secret, body, t);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.deepEqual(verifySignature(secret, header, body, { now }), { ok: true, timestamp: t });
    assert.deepEqual(verifySignature(secret, header, Buffer.from(body), { now }), { ok: true, timestamp: t });
    assert.deepEqual(verifySignature(secret, header, body.replace('started', 'ended'), { now }), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifySignature(newSigningSecret(), header, body, { now }), { ok: false, reason: 'bad_signature' });
    // The time is signed: a new t with the old v1 fails.
    assert.deepEqual(verifySignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, { now }), { ok: false, reason: 'bad_signature' });
  });

  it('refuses old (and far future) timestamps and malformed headers', () => {
    const old = signatureHeader(secret, body, t - 301);
    assert.deepEqual(verifySignature(secret, old, body, { now }), { ok: false, reason: 'too_old' });
    assert.equal(verifySignature(secret, old, body, { now, toleranceS: 600 }).ok, true);
    assert.deepEqual(verifySignature(secret, signatureHeader(secret, body, t + 400), body, { now }), { ok: false, reason: 'too_old' });
    for (const h of [undefined, '', 'garbage', `t=${t}`, 'v1=' + 'a'.repeat(64), `t=${t},v1=xyz`, 'x'.repeat(3000)]) {
      assert.deepEqual(verifySignature(secret, h, body, { now }), { ok: false, reason: 'malformed' }, String(h).slice(0, 20));
    }
  });

  it('accepts any one of several v1 values (a secret being replaced)', () => {
    const other = signatureHeader(newSigningSecret(), body, t).split(',')[1];
    assert.equal(verifySignature(secret, `${signatureHeader(secret, body, t)},${other}`, body, { now }).ok, true);
  });
});

describe('webhook retries', () => {
  const s = { retryBaseMs: 30_000, retryMaxMs: 3_600_000 };
  it('backs off exponentially with jitter between half and all of the step, capped', () => {
    assert.equal(retryDelayMs(s, 1, () => 0), 15_000);
    assert.equal(retryDelayMs(s, 1, () => 1), 30_000);
    assert.equal(retryDelayMs(s, 4, () => 1), 240_000);
    assert.equal(retryDelayMs(s, 20, () => 1), 3_600_000);
    assert.equal(retryDelayMs(s, 20, () => 0), 1_800_000);
    const seen = new Set(Array.from({ length: 20 }, () => retryDelayMs(s, 3)));
    assert.ok(seen.size > 1, 'jittered');
    for (const d of seen) assert.ok(d >= 60_000 && d <= 120_000, String(d));
  });
  it('retries network errors, timeouts, 5xx and 429; not other 4xx, redirects or forbidden addresses', () => {
    for (const st of [null, 500, 502, 503, 429]) assert.equal(isTemporary({ status: st }), true, String(st));
    for (const st of [400, 401, 404, 410, 302, 301]) assert.equal(isTemporary({ status: st }), false, String(st));
    assert.equal(isTemporary({ status: null, refused: true }), false);
  });
});

describe('webhook events from the live seam', () => {
  const base = { conferenceId: 'c1', accountId: 'a1', at: '2026-12-06T12:00:00.000Z' };
  it('maps started, joined, left, ended and invite; ignores the rest; ids are stable', () => {
    const started = fromLiveEvent({ type: 'started', ...base, roomNumber: '888888', roomName: 'Board' });
    assert.equal(started?.type, 'meeting.started');
    assert.equal(started?.id, fromLiveEvent({ type: 'started', ...base, at: 'later', roomNumber: '888888', roomName: 'Board' })?.id, 'the same conference: the same id');
    assert.equal(fromLiveEvent({ type: 'left', ...base, participantId: 'p1', reason: 'hangup' })?.type, 'participant.left');
    assert.equal(fromLiveEvent({ type: 'ended', ...base, reason: 'last_left' })?.type, 'meeting.ended');
    assert.equal(fromLiveEvent({ type: 'talking', ...base, participantId: 'p1', talking: true }), undefined);
    const inv = { id: 'i1', target: '139', name: 'x', state: 'ringing' as const, q850Cause: null, sipStatus: 180, participantId: null, updatedAt: base.at };
    const a = fromLiveEvent({ type: 'invite', ...base, invite: inv });
    const b = fromLiveEvent({ type: 'invite', ...base, invite: { ...inv, state: 'answered' } });
    assert.equal(a?.type, 'invite.state_changed');
    assert.notEqual(a?.id, b?.id, 'each state its own event');
  });
});
