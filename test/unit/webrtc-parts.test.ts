// The WebRTC gateway's pure parts: the SIP leg's SDP (G722 then PCMU, the
// bridge's answer read back), checks of the browser's offer and of a join's
// SIP parts, 8↔16 kHz conversion, and the uplink's pacing (priming, two
// concealed frames then skips, the queue bound, late packets).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpHeader, RtpPacket } from 'werift';
import { encodeUlaw } from '../../bridge/rtp/g711.ts';
import { checkBrowserOffer } from '../../bridge/webrtc/browser-offer.ts';
import { GatewayError } from '../../bridge/webrtc/gateway-error.ts';
import { checkHeaders, checkTo, cleanDisplayName } from '../../bridge/webrtc/join-request.ts';
import { createLegOffer, readLegAnswer } from '../../bridge/webrtc/leg-sdp.ts';
import { downsample2, upsample2 } from '../../bridge/webrtc/resample.ts';
import { MAX_QUEUED_FRAMES, Uplink, type UplinkTarget } from '../../bridge/webrtc/uplink.ts';
import { pcmuCodec } from '../../bridge/webrtc/voice-codec.ts';

const status = (s: number) => (e: unknown) => e instanceof GatewayError && e.status === s;

describe('the SIP leg SDP', () => {
  test('offers G722/8000 (9) first, then PCMU (0), telephone-event/101, ptime 20, plain RTP', () => {
    const sdp = createLegOffer({ address: '127.0.0.1', port: 40000, codecs: ['G722', 'PCMU'], direction: 'sendrecv' });
    assert.match(sdp, /^m=audio 40000 RTP\/AVP 9 0 101\r$/m);
    assert.match(sdp, /^a=rtpmap:9 G722\/8000\r$/m);
    assert.match(sdp, /^a=rtpmap:0 PCMU\/8000\r$/m);
    assert.match(sdp, /^a=fmtp:101 0-16\r$/m);
    assert.match(sdp, /^a=ptime:20\r$/m);
    assert.match(sdp, /^c=IN IP4 127.0.0.1\r$/m);
    assert.match(createLegOffer({ address: '127.0.0.1', port: 40000, codecs: ['PCMU'], direction: 'recvonly' }), /^a=recvonly\r$/m);
  });

  test('reads the bridge\'s choice; 488 when it took none of ours, 400 when it is no SDP', () => {
    const answer = (m: string, maps: string) => `v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n${m}\r\n${maps}`;
    const g722 = readLegAnswer(answer('m=audio 30000 RTP/AVP 9 101', 'a=rtpmap:9 G722/8000\r\n'), ['G722', 'PCMU']);
    assert.deepEqual({ ...g722 }, { codec: 'G722', payloadType: 9, remoteAddress: '127.0.0.2', remotePort: 30000, direction: 'sendrecv' });
    assert.equal(readLegAnswer(answer('m=audio 30000 RTP/AVP 9', ''), ['G722', 'PCMU']).codec, 'G722'); // static type, no rtpmap
    assert.equal(readLegAnswer(answer('m=audio 30000 RTP/AVP 0', ''), ['G722', 'PCMU']).codec, 'PCMU');
    assert.throws(() => readLegAnswer(answer('m=audio 30000 RTP/AVP 9', ''), ['PCMU']), (e: unknown) => (e as { status?: number }).status === 488);
    assert.throws(() => readLegAnswer(answer('m=audio 30000 RTP/AVP 8', ''), ['G722', 'PCMU']), (e: unknown) => (e as { status?: number }).status === 488);
    assert.throws(() => readLegAnswer('garbage', ['PCMU']), (e: unknown) => (e as { status?: number }).status === 400);
  });
});

describe('a join\'s checks', () => {
  const offer = (extra = '', m = 'm=audio 9 UDP/TLS/RTP/SAVPF 111 0') => [
    'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', m, 'c=IN IP4 0.0.0.0',
    'a=candidate:1 1 udp 2113937151 abc.local 50000 typ host', 'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789012345678901',
    'a=fingerprint:sha-256 AA:BB', 'a=setup:actpass', 'a=mid:0', 'a=sendrecv', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:0 PCMU/8000', extra, '',
  ].join('\r\n');

  test('a complete WebRTC audio offer passes; its codecs in order', () => {
    assert.deepEqual(checkBrowserOffer(offer()), { codecs: ['opus', 'PCMU'], direction: 'sendrecv' });
  });

  test('what is not one is 400 (488 without Opus or PCMU)', () => {
    assert.throws(() => checkBrowserOffer(offer().replace(/a=candidate.*\r\n/, '')), status(400));
    assert.throws(() => checkBrowserOffer(offer().replace(/a=ice-pwd.*\r\n/, '')), status(400));
    assert.throws(() => checkBrowserOffer(offer().replace(/a=fingerprint.*\r\n/, '')), status(400));
    assert.throws(() => checkBrowserOffer(offer('', 'm=audio 9 RTP/AVP 111 0')), status(400));
    assert.throws(() => checkBrowserOffer(offer('', 'm=video 9 UDP/TLS/RTP/SAVPF 96')), status(400));
    assert.throws(() => checkBrowserOffer(offer().replace('opus/48000/2', 'G7221/16000').replace('PCMU/8000', 'PCMA/8000')), status(488));
    assert.throws(() => checkBrowserOffer(null), status(400));
    assert.throws(() => checkBrowserOffer('x'.repeat(20_000)), status(400));
  });

  test('to, headers and display name', () => {
    assert.equal(checkTo('4008001000'), '4008001000');
    for (const bad of ['', 'a b', 'x@y', 'a'.repeat(65), 42, '4000\r\n']) assert.throws(() => checkTo(bad), status(400));
    assert.deepEqual(checkHeaders({ 'X-Bridge-Join': ' t.1 ' }), [{ name: 'X-Bridge-Join', value: 't.1' }]);
    for (const bad of [{ Via: 'x' }, { 'call-id': 'x' }, { 'X-A': 'a\nb' }, { 'bad name': 'x' }, { 'X-A': 'v'.repeat(2000) }, ['x'], { 'X-A': 1 }]) {
      assert.throws(() => checkHeaders(bad), status(400), JSON.stringify(bad));
    }
    assert.equal(cleanDisplayName('Ann "the" \\ Lee\r\n'), 'Ann the  Lee');
    assert.equal(cleanDisplayName('"'), undefined);
    assert.equal(cleanDisplayName('x'.repeat(100))!.length, 64);
  });
});

test('8 ↔ 16 kHz: length and level kept', () => {
  const x = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  const up = upsample2(x);
  assert.equal(up.length, 320);
  assert.equal(up[0], x[0]);
  assert.equal(up[2], x[1]);
  const back = downsample2(up);
  assert.equal(back.length, 160);
  for (let i = 0; i < 159; i++) assert.ok(Math.abs(back[i]! - x[i]!) < 1200, `sample ${i}`);
});

describe('the uplink', () => {
  class FakeLeg implements UplinkTarget {
    readonly codec = pcmuCodec();
    readonly sent: Int16Array[] = [];
    skipped = 0;
    sendFrame(pcm: Int16Array): void { this.sent.push(pcm); }
    skipFrame(): void { this.skipped++; }
  }
  const pcmuPacket = (seq: number, level: number) => new RtpPacket(
    new RtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160 }), Buffer.from(encodeUlaw(new Int16Array(160).fill(level))));

  test('primes with two frames, then one frame a tick; a gap: two fading concealments, then skips', () => {
    const leg = new FakeLeg();
    const up = new Uplink(leg, { pcmu: 0 });
    up.onPacket(pcmuPacket(1, 1000));
    up.tick(1);
    assert.equal(leg.sent.length, 0, 'one frame queued: still priming');
    assert.equal(leg.skipped, 1);
    up.onPacket(pcmuPacket(2, 1000));
    up.tick(1);
    up.tick(1);
    assert.equal(leg.sent.length, 2);
    up.tick(1); up.tick(1); up.tick(1); up.tick(1);
    assert.equal(leg.sent.length, 4, 'two concealed frames');
    assert.ok(Math.abs(leg.sent[2]![0]!) < Math.abs(leg.sent[1]![0]!), 'fading');
    assert.ok(Math.abs(leg.sent[3]![0]!) < Math.abs(leg.sent[2]![0]!), 'fading more');
    assert.equal(leg.skipped, 3, 'then skipped');
  });

  test('a late tick skips the missed periods, never sends a burst; late and duplicate packets dropped; the queue is bounded', () => {
    const leg = new FakeLeg();
    const up = new Uplink(leg, { pcmu: 0 });
    for (let s = 10; s < 30; s++) up.onPacket(pcmuPacket(s, 500));
    assert.equal(up.stats.dropped, 20 - MAX_QUEUED_FRAMES);
    up.onPacket(pcmuPacket(29, 500));
    up.onPacket(pcmuPacket(5, 500));
    assert.equal(up.stats.late, 2);
    up.tick(4);
    assert.equal(leg.sent.length, 1, 'one frame for a late tick');
    assert.equal(leg.skipped, 3, 'the missed periods move the clock on');
  });
});
