// Two user agents on an in-memory transport with a fake clock: the exact
// messages they exchange (serialised and parsed again on the way, as on the
// wire), the 2xx retransmission of RFC 3261 §13.3.1.4, CANCEL, BYE, re-INVITE
// glare, INFO, OPTIONS and the answers for methods we do not serve.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerInviteSession } from '../../bridge/sip/dialog/server-invite-session.ts';
import { parseUri } from '../../bridge/sip/grammar/uri.ts';
import type { SipRequest, SipResponse } from '../../bridge/sip/message/message.ts';
import { FakeClock } from '../support/step-clock.ts';
import { Network } from '../support/sip-network.ts';
import { SipUserAgent } from '../../bridge/sip/user-agent.ts';
import { moduleLogger } from '../../common/log.ts';
import { SipError } from '../../common/errors.ts';

const flush = () => new Promise<void>((r) => setImmediate(r));
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function pair() {
  const clock = new FakeClock();
  const net = new Network(clock);
  const logger = moduleLogger('test');
  const alice = new SipUserAgent({ transport: net.endpoint('127.0.0.1', 5070), logger, host: '127.0.0.1', port: 5070, clock });
  const bridge = new SipUserAgent({ transport: net.endpoint('127.0.0.1', 5060), logger, host: '127.0.0.1', port: 5060, clock });
  return { clock, net, alice, bridge };
}

async function call(p: ReturnType<typeof pair>, headers: Array<{ name: string; value: string }> = []) {
  let incoming: ServerInviteSession | undefined;
  p.bridge.on('invite', (s) => { incoming = s; });
  const out = await p.alice.invite({ target: parseUri('sip:888888@127.0.0.1:5060'), from: { user: 'alice' }, sdp: SDP, headers });
  await flush();
  assert.ok(incoming, 'the bridge saw the INVITE');
  return { out, incoming: incoming! };
}

describe('UA pair on an in-memory network', () => {
  test('INVITE / 100 / 180 / 200 / ACK … BYE / 200 — the exact exchange', async () => {
    const p = pair();
    const { out, incoming } = await call(p);
    incoming.progress(180);
    incoming.accept(SDP);
    await flush();
    await flush();
    assert.equal(out.state, 'confirmed');
    assert.equal(incoming.state, 'confirmed');
    await out.hangup();
    await flush();
    assert.equal(incoming.terminated, true);
    assert.deepEqual(p.net.lines(), ['INVITE', '100 INVITE', '180 INVITE', '200 INVITE', 'ACK', 'BYE', '200 BYE']);
  });

  test('RFC 3261 §13.3.1.4: the 2xx is retransmitted at T1, 2T1, 4T1 … capped at T2 until the ACK', async () => {
    const p = pair();
    p.net.drop = (m) => m.kind === 'request' && m.method === 'ACK';
    const { incoming } = await call(p);
    incoming.accept(SDP);
    await flush();
    for (let i = 0; i < 80; i++) { p.clock.advance(100); await flush(); }
    const oks = p.net.log.filter((l) => l.from === '127.0.0.1:5060' && l.line === '200 INVITE').map((l) => l.at);
    assert.deepEqual(oks, [0, 500, 1500, 3500, 7500]);
    p.net.drop = undefined;
    // The next 2xx retransmission is ACKed (the UAC re-sends its ACK) and they stop.
    p.clock.advance(4000);
    await flush(); await flush();
    assert.equal(incoming.state, 'confirmed');
    p.clock.advance(20_000);
    await flush();
    assert.equal(p.net.log.filter((l) => l.line === '200 INVITE').length, 6);
  });

  test('RFC 3261 §13.3.1.4: no ACK within 64*T1 → the session ends with a BYE', async () => {
    const p = pair();
    p.net.drop = (m) => m.kind === 'request' && m.method === 'ACK';
    const { incoming } = await call(p);
    const reasons: string[] = [];
    incoming.on('terminated', (r) => reasons.push(r.by));
    incoming.accept(SDP);
    for (let i = 0; i < 340; i++) { p.clock.advance(100); await flush(); }
    assert.deepEqual(reasons, ['timeout']);
    assert.ok(p.net.lines('127.0.0.1:5060').includes('BYE'));
    assert.equal(p.net.log.filter((l) => l.line === '200 INVITE' && l.from === '127.0.0.1:5060').length, 11);
  });

  test('RFC 3261 §9: CANCEL → 200 (CANCEL) and 487 (INVITE) → ACK; the UAC learns 487', async () => {
    const p = pair();
    const { out, incoming } = await call(p);
    incoming.progress(180);
    await flush();
    const ended = new Promise((r) => out.on('terminated', r));
    await out.hangup();
    await flush(); await flush();
    assert.deepEqual(await ended, { by: 'remote', status: 487, reason: 'Request Terminated', q850: undefined });
    assert.deepEqual(p.net.lines(), ['INVITE', '100 INVITE', '180 INVITE', 'CANCEL', '200 CANCEL', '487 INVITE', 'ACK']);
  });

  test('RFC 3261 §9.1: a CANCEL waits for a provisional response', async () => {
    const p = pair();
    let incoming: ServerInviteSession | undefined;
    p.bridge.on('invite', (s) => { incoming = s; });
    p.net.drop = (m) => m.kind === 'response' && m.status === 100;
    const out = await p.alice.invite({ target: parseUri('sip:1@127.0.0.1:5060'), from: { user: 'alice' }, sdp: SDP });
    await out.hangup();
    await flush();
    assert.ok(!p.net.lines().includes('CANCEL'), 'no CANCEL before a provisional response');
    incoming!.progress(180);
    await flush(); await flush();
    assert.ok(p.net.lines().includes('CANCEL'));
  });

  test('re-INVITE: the offer handler answers; a re-INVITE crossing ours gets 491 (§14.2)', async () => {
    const p = pair();
    const { out, incoming } = await call(p);
    incoming.accept(SDP);
    await flush(); await flush();
    let offers = 0;
    incoming.offerHandler = (offer) => { offers++; assert.ok(offer?.includes('m=audio')); return SDP.replace('4000', '4002'); };
    const answer = await out.reinvite(SDP.replace('1 1 IN', '1 2 IN'));
    assert.match(answer, /m=audio 4002/);
    assert.equal(offers, 1);
    // Glare: the bridge has its own re-INVITE pending when Alice's arrives.
    out.offerHandler = () => SDP;
    const ours = incoming.reinvite(SDP);
    const theirs = out.reinvite(SDP);
    const results = await Promise.allSettled([ours, theirs]);
    const statuses = results.map((r) => (r.status === 'rejected' && r.reason instanceof SipError ? r.reason.status : 200));
    assert.ok(statuses.includes(491), `one side got 491, got ${statuses.join(',')}`);
  });

  test('INFO in the dialog reaches the session; out-of-dialog BYE → 481; REGISTER → 405; FOO → 501; OPTIONS → 200', async () => {
    const p = pair();
    const { out, incoming } = await call(p);
    incoming.accept(SDP);
    await flush(); await flush();
    const infos: SipRequest[] = [];
    incoming.on('info', (r) => infos.push(r));
    assert.equal(await out.info('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), 200);
    assert.equal(infos.length, 1);
    assert.equal(infos[0]!.contentType, 'application/dtmf-relay');

    const statuses: number[] = [];
    const raw = p.net.endpoint('127.0.0.1', 5099);
    raw.on('message', (m) => { if (m.kind === 'response') statuses.push((m as SipResponse).status); });
    for (const method of ['BYE', 'REGISTER', 'FOO', 'OPTIONS']) {
      const uri = parseUri('sip:x@127.0.0.1:5060');
      raw.send({
        kind: 'request', method, uri,
        via: [{ transport: 'UDP', host: '127.0.0.1', port: 5099, params: new Map<string, string | null>([['branch', `z9hG4bK${method}`]]) }],
        from: { uri, params: new Map([['tag', 'x']]) }, to: { uri, params: new Map() },
        callId: `c-${method}`, cseq: { seq: 1, method }, contact: [], maxForwards: 70, headers: [], body: Buffer.alloc(0),
      }, { transport: 'udp', address: '127.0.0.1', port: 5060 });
    }
    await flush(); await flush();
    assert.deepEqual(statuses, [481, 405, 501, 200]);
  });

  test('RFC 3261 §12.1.1: the 180 and the 200 carry the INVITE\'s Record-Route values in order; the caller\'s ACK follows them', async () => {
    const p = pair();
    const rr = [
      { name: 'Record-Route', value: '<sip:127.0.0.1:5080;lr;ftag=a1>' },
      { name: 'Record-Route', value: '<sip:127.0.0.1:5081;lr>, <sip:127.0.0.1:5082;lr>' },
    ];
    const responses: SipResponse[] = [];
    p.net.drop = (m) => { if (m.kind === 'response') responses.push(m); return false; };
    const { incoming } = await call(p, rr);
    incoming.progress(180);
    incoming.accept(SDP);
    await flush(); await flush();
    const carried = (status: number) => responses.find((r) => r.status === status)?.headers.filter((h) => h.name === 'Record-Route').map((h) => h.value);
    const expected = rr.map((h) => h.value);
    assert.deepEqual(carried(180), expected);
    assert.deepEqual(carried(200), expected);
    assert.deepEqual(carried(100), [], 'no Record-Route on 100 Trying');
    // §12.1.2: the caller reverses them; its ACK goes to the first hop of that Route set, not to the bridge's Contact.
    assert.equal(p.net.log.find((l) => l.line === 'ACK')?.to, '127.0.0.1:5082');
  });

  test('refuseNewSessions (draining): OPTIONS → 503 with Retry-After and Allow; a running dialog still takes BYE', async () => {
    const p = pair();
    const { out, incoming } = await call(p);
    incoming.accept(SDP);
    await flush(); await flush();
    const replies: SipResponse[] = [];
    const raw = p.net.endpoint('127.0.0.1', 5098);
    raw.on('message', (m) => { if (m.kind === 'response') replies.push(m); });
    const options = (n: number) => {
      const uri = parseUri('sip:127.0.0.1:5060');
      raw.send({
        kind: 'request', method: 'OPTIONS', uri,
        via: [{ transport: 'UDP', host: '127.0.0.1', port: 5098, params: new Map<string, string | null>([['branch', `z9hG4bKopt${n}`]]) }],
        from: { uri: parseUri('sip:dispatcher@127.0.0.1:5098'), params: new Map([['tag', `o${n}`]]) }, to: { uri, params: new Map() },
        callId: `opt-${n}`, cseq: { seq: 1, method: 'OPTIONS' }, contact: [], maxForwards: 70, headers: [], body: Buffer.alloc(0),
      }, { transport: 'udp', address: '127.0.0.1', port: 5060 });
    };
    options(1);
    await flush(); await flush();
    p.bridge.refuseNewSessions(30);
    options(2);
    await flush(); await flush();
    assert.deepEqual(replies.map((r) => r.status), [200, 503]);
    const header = (r: SipResponse, name: string) => r.headers.find((h) => h.name === name)?.value;
    assert.equal(header(replies[1]!, 'Retry-After'), '30');
    assert.match(header(replies[1]!, 'Allow') ?? '', /INVITE/);
    await out.hangup();
    await flush(); await flush();
    assert.equal(incoming.terminated, true, 'the call in progress still ends normally');
  });

  test('RFC 4028: refresher=uac — 200 carries Session-Expires and Require: timer; no refresh → BYE at interval − 32 s', async () => {
    const p = pair();
    const { incoming } = await call(p, [{ name: 'Session-Expires', value: '120' }, { name: 'Supported', value: 'timer' }]);
    incoming.accept(SDP);
    await flush(); await flush();
    const ended: string[] = [];
    incoming.on('terminated', (r) => ended.push(r.by));
    for (let i = 0; i < 87; i++) { p.clock.advance(1000); await flush(); }
    assert.deepEqual(ended, []);
    p.clock.advance(1000); await flush(); await flush();
    assert.deepEqual(ended, ['local']);
    assert.ok(p.net.lines('127.0.0.1:5060').includes('BYE'));
  });

  test('RFC 4028: a refresh re-INVITE from the peer restarts the interval', async () => {
    const p = pair();
    const { out, incoming } = await call(p, [{ name: 'Session-Expires', value: '120;refresher=uac' }, { name: 'Supported', value: 'timer' }]);
    incoming.accept(SDP);
    incoming.offerHandler = () => SDP;
    await flush(); await flush();
    for (let i = 0; i < 60; i++) { p.clock.advance(1000); await flush(); }
    await out.reinvite(SDP);
    for (let i = 0; i < 80; i++) { p.clock.advance(1000); await flush(); }
    assert.equal(incoming.terminated, false, 'refreshed at 60 s: alive at 140 s');
  });

  test('RFC 4028: a peer without timer support → we refresh (refresher=uas) with a re-INVITE at half the interval', async () => {
    const p = pair();
    const { out, incoming } = await call(p, [{ name: 'Session-Expires', value: '90' }]);
    out.offerHandler = () => SDP;
    incoming.accept(SDP);
    await flush(); await flush();
    const invitesBefore = p.net.lines('127.0.0.1:5060').filter((l) => l === 'INVITE').length;
    for (let i = 0; i < 46; i++) { p.clock.advance(1000); await flush(); }
    await flush(); await flush();
    assert.equal(p.net.lines('127.0.0.1:5060').filter((l) => l === 'INVITE').length, invitesBefore + 1);
    assert.equal(incoming.terminated, false);
  });

  test('RFC 4028 §8.1: Session-Expires below 90 s → 422 with Min-SE', async () => {
    const p = pair();
    let seen = false;
    p.bridge.on('invite', () => { seen = true; });
    const out = await p.alice.invite({ target: parseUri('sip:1@127.0.0.1:5060'), from: { user: 'alice' }, sdp: SDP, headers: [{ name: 'Session-Expires', value: '30' }] });
    const r = await new Promise<{ status?: number }>((resolve) => out.on('terminated', resolve));
    assert.equal(r.status, 422);
    assert.equal(seen, false);
  });
});
