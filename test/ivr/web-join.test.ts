// A browser's call through the WebRTC gateway (issue 17) on the fake engine:
// a good X-Bridge-Join token takes the leg straight into the room with the
// token's role and name — no welcome, room or PIN prompt — as a participant
// of kind 'browser' with its join id, and its CDR has direction 'webrtc'; the
// room's rules still apply (a locked room refuses a guest); its own mute is a
// self-mute that never lifts the console's; a forged, expired
// or other-room token is refused before the answer (Q.850 21, SIP 403); a
// caller relayed by another node (kind 'relay') joins as a caller and its CDR
// has direction 'relay', unrated; a listen-in leg is in the mix muted,
// outside the participant list, and is hung up when the room closes.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Q850 } from '../../bridge/q850.ts';
import { JOIN_HEADER, JoinTokenSigner } from '../../core/rooms/join-token.ts';
import { FakeIvr, FakeIvrDb, said } from '../support/fake-ivr.ts';

const tokens = new JoinTokenSigner('ivr-test-join-secret-012345', 30_000);

describe('browser join on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => { t = FakeIvr.start(base, {}, { joinTokens: tokens }); });
  afterEach(async () => { await t.close(); });

  const browserCall = (room: string, claims: { role: 'chair' | 'guest'; kind: 'webrtc' | 'listen'; name?: string; jti?: string }, signer = tokens, at = t.clock.date().getTime()) =>
    t.engine.call({ from: 'webrtc', to: room, headers: { [JOIN_HEADER]: signer.sign({ room, name: '', ...claims }, at) } });

  test('a good token: straight in as chair, no prompts but the count, kind browser with its name and join id; CDR direction webrtc, rated by the webrtc rate', async () => {
    await t.room('7017101');
    const call = browserCall('7017101', { role: 'chair', kind: 'webrtc', name: 'Web Wendy', jti: 'join-1' });
    const leg = await t.inRoom(call, '7017101');
    await t.run(() => leg.prompts.includes('only-participant'), 'the count');
    assert.deepEqual(said(leg).map((p) => p.split('/')[1]), ['only-participant'], 'no welcome, room or PIN prompt');
    const v = t.view('7017101', leg)!;
    assert.deepEqual([v.kind, v.role, v.displayName, v.joinId], ['browser', 'chair', 'Web Wendy', 'join-1']);
    await t.clock.advance(90_000);
    leg.remoteHangup();
    const s = await t.ended(call);
    assert.equal(s.outcome, 'joined');
    const cdr = await base.cdr(s.cdrId);
    assert.deepEqual([cdr.direction, cdr.roomNumber, cdr.role], ['webrtc', '7017101', 'chair']);
    // Rated by the browsers' rate (the demo's: 5 per minute, whole minutes): 90 s → 2 min → 10.
    const row = await base.db('call_legs').where({ id: s.cdrId }).first() as Record<string, unknown>;
    assert.deepEqual([row.destination_class, Number(row.rate_per_minute_minor), Number(row.billed_seconds), Number(row.cost_minor)], ['webrtc', 5, 120, 10]);
  });

  test('a caller relayed here by another node (token kind relay): in the room as a caller; its CDR has direction relay and the conference, and is never rated', async () => {
    await t.room('7017107');
    const token = tokens.sign({ room: '7017107', role: 'guest', kind: 'relay', name: 'Li Lei', jti: 'entry-node-cdr-1' }, t.clock.date().getTime());
    const call = t.engine.call({ from: '+8613900139011', to: '7017107', headers: { [JOIN_HEADER]: token } });
    const leg = await t.inRoom(call, '7017107');
    assert.deepEqual([t.view('7017107', leg)?.kind, t.view('7017107', leg)?.displayName], ['caller', 'Li Lei']);
    const conferenceId = t.live('7017107')!.conferenceId;
    await t.clock.advance(90_000);
    leg.remoteHangup();
    const s = await t.ended(call);
    assert.equal(s.outcome, 'joined');
    const cdr = await base.cdr(s.cdrId);
    assert.deepEqual([cdr.direction, cdr.roomNumber, cdr.conferenceId, cdr.caller], ['relay', '7017107', conferenceId, '+8613900139011']);
    // Billed on the node the caller called: here no rate, no cost, nothing drawn.
    const row = await base.db('call_legs').where({ id: s.cdrId }).first() as Record<string, unknown>;
    assert.ok(Number(row.billable_seconds) >= 90, String(row.billable_seconds));
    assert.deepEqual([row.destination_class, row.rate_id, Number(row.billed_seconds), Number(row.cost_minor)], [null, null, 0, 0]);
  });

  test('the browser\'s own mute is a self-mute: it cannot lift the web\'s mute, and the web\'s unmute lifts it', async () => {
    await t.room('7017106');
    const call = browserCall('7017106', { role: 'guest', kind: 'webrtc', jti: 'join-6' });
    const leg = await t.inRoom(call, '7017106');
    const live = t.live('7017106')!;
    const accountId = base.seed.accountId;
    const self = { kind: 'participant', participantId: leg.id } as const;
    const web = { kind: 'web', userId: 'u1' } as const;
    const mute = (muted: boolean, by: typeof self | typeof web) => t.drive(t.ivr.live.execute(accountId, live.conferenceId, { type: 'mute', participantId: leg.id, muted }, by), 'the mute');
    await mute(true, self);
    assert.equal(t.view('7017106', leg)?.mutedBy, 'self');
    await mute(false, self);
    assert.equal(t.view('7017106', leg)?.muted, false);
    await mute(true, web);
    await mute(false, self);
    assert.equal(t.view('7017106', leg)?.mutedBy, 'web', 'the page cannot lift the console\'s mute');
    await mute(false, web);
    assert.equal(t.view('7017106', leg)?.muted, false);
    leg.remoteHangup();
    await t.ended(call);
  });

  test('the room\'s rules apply: a locked room refuses a browser guest', async () => {
    await t.room('7017102');
    const chair = await t.enter('13900000101', '7017102', '4321');
    await t.drive(t.live('7017102')!.setLocked(true, { kind: 'system' }), 'the lock');
    const call = browserCall('7017102', { role: 'guest', kind: 'webrtc' });
    const s = await t.ended(call);
    assert.equal(s.outcome, 'refused:locked');
    chair.remoteHangup();
  });

  test('forged, expired and other-room tokens are refused before the answer (403)', async () => {
    await t.room('7017103');
    const forged = browserCall('7017103', { role: 'chair', kind: 'webrtc' }, new JoinTokenSigner('not-the-bridge-secret-0123'));
    const expired = browserCall('7017103', { role: 'chair', kind: 'webrtc' }, tokens, t.clock.date().getTime() - 31_000);
    const elsewhere = t.engine.call({ from: 'webrtc', to: '7017103', headers: { [JOIN_HEADER]: tokens.sign({ room: '888888', role: 'chair', kind: 'webrtc', name: '' }, t.clock.date().getTime()) } });
    const junk = t.engine.call({ from: 'webrtc', to: '7017103', headers: { [JOIN_HEADER]: 'junk' } });
    for (const [call, reason] of [[forged, 'bad_signature'], [expired, 'expired'], [elsewhere, 'wrong_room'], [junk, 'malformed']] as const) {
      const s = await t.ended(call);
      assert.equal(call.rejected, Q850.CALL_REJECTED, reason);
      assert.equal(s.outcome, `refused:join_token:${reason}`);
      assert.equal((await base.cdr(s.cdrId)).direction, 'webrtc');
    }
  });

  test('a listen-in leg hears the mix muted, is not a participant, and is hung up when the room closes', async () => {
    await t.room('7017104');
    const chair = await t.enter('13900000102', '7017104', '4321');
    const call = browserCall('7017104', { role: 'guest', kind: 'listen', jti: 'link-1' });
    const live = t.live('7017104')!;
    await t.run(() => live.listenKeys().length === 1, 'the listen-in leg in the mix');
    const conf = t.engine.conferencesNamed('room-7017104')[0]!;
    assert.equal(conf.member(call.leg!.id)?.muted, true, 'never heard');
    assert.deepEqual(live.listenKeys(), ['link-1']);
    assert.equal(live.list().length, 1, 'only the chair is a participant');
    assert.deepEqual(said(call.leg!), [], 'nothing played to the listener');
    chair.remoteHangup();
    const s = await t.ended(call);
    assert.equal(s.outcome, 'listening');
    assert.ok(call.leg!.ended, 'hung up when the room closed');
  });

  test('a listen-in leg for a room with no meeting running is told so and hung up', async () => {
    await t.room('7017105');
    const call = browserCall('7017105', { role: 'guest', kind: 'listen', jti: 'link-2' });
    const s = await t.ended(call);
    assert.equal(s.outcome, 'room_refused:not_started');
  });
});
