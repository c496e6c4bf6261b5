// The FreeSWITCH engine's pure parts, without a FreeSWITCH: how the port's
// gains, prompts, SDP and Reason headers are put to FreeSWITCH and read
// back. (The engine on a real FreeSWITCH + drachtio-server: the port
// conformance suite, test/port/, with BRIDGE_TEST_FREESWITCH.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explicitDirection, reasonCause, sdpAudio } from '../../bridge/freeswitch/call-leg.ts';
import { volumeLevels } from '../../bridge/freeswitch/conference.ts';
import { fsOneFile, fsPlayback, fsPlaylist } from '../../bridge/freeswitch/prompts.ts';
import { DigitBuffer, MAX_BUFFERED_DIGITS } from '../../bridge/digit-buffer.ts';

const STEP = [0.2, 0.4, 0.6, 0.8, 1, 1.3, 2.3, 3.3, 4.3];
const gainDb = (level: number) => 20 * Math.log10(STEP[level + 4]!);

describe('volumeLevels: a gain in dB as mod_conference\'s level times the channel\'s level', () => {
  it('comes within 1.6 dB of every gain from −20 to +20 dB (half-dB steps), within 3 dB down to −28 and up to +24', () => {
    for (let db = -28; db <= 24; db += 0.5) {
      const v = volumeLevels(db);
      assert.ok(v.member >= -4 && v.member <= 4 && v.channel >= -4 && v.channel <= 4, JSON.stringify(v));
      const got = gainDb(v.member) + gainDb(v.channel);
      assert.ok(Math.abs(got - db) <= (Math.abs(db) <= 20 ? 1.6 : 3), `${db} dB → ${JSON.stringify(v)} = ${got.toFixed(2)} dB`);
      assert.ok(Math.abs(v.db - got) < 1e-9);
    }
  });

  it('0 dB is no change at all; −18 dB (the conformance test\'s) is ×0.2 × 0.6', () => {
    assert.deepEqual(volumeLevels(0), { member: 0, channel: 0, db: 0 });
    const v = volumeLevels(-18);
    assert.deepEqual([v.member, v.channel].sort((a, b) => a - b), [-4, -2]);
  });

  it('beyond what FreeSWITCH can do, the nearest; outside the port\'s [−60, 24] (or not a number), a RangeError', () => {
    assert.deepEqual([volumeLevels(-60).member, volumeLevels(-60).channel], [-4, -4]);
    for (const bad of [-61, 24.5, 100, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => volumeLevels(bad), RangeError);
  });
});

describe('prompts as FreeSWITCH file strings', () => {
  it('tones are tone_stream with level, repeats and cadence; silence is silence_stream; files are absolute', () => {
    assert.equal(fsPlayback({ tone: { freqs: [440], totalMs: 1500 } }), 'tone_stream://v=-16;L=1;%(1500,0,440)');
    assert.equal(fsPlayback({ tone: { freqs: [350, 440], levelDbfs: -20, onMs: 400, offMs: 200, totalMs: 1800 } }), 'tone_stream://v=-20;L=3;%(400,200,350,440)');
    assert.equal(fsPlayback({ silenceMs: 250 }), 'silence_stream://250');
    assert.equal(fsPlayback({ file: '/p/a.wav' }), '/p/a.wav');
    assert.match(fsPlayback({ file: 'rel/a.wav' }), /^\/.*\/rel\/a\.wav$/);
  });

  it('a looping file repeats (hold music); a list is "!"-joined, or one file_string for mod_conference', () => {
    const loop = fsPlayback({ file: '/p/moh.wav', loop: true });
    assert.ok(loop.startsWith('file_string:///p/moh.wav!/p/moh.wav!'));
    assert.equal(fsPlaylist([{ file: '/p/a.wav' }, { silenceMs: 10 }]), '/p/a.wav!silence_stream://10');
    assert.equal(fsOneFile([{ file: '/p/a.wav' }]), '/p/a.wav');
    assert.equal(fsOneFile([{ file: '/p/a.wav' }, { file: '/p/b.wav' }]), 'file_string:///p/a.wav!/p/b.wav');
  });

  it('a path FreeSWITCH would split (space, "!", braces) is refused with the path named', () => {
    for (const bad of ['/p/a b.wav', '/p/a!b.wav', '/p/{x}.wav']) assert.throws(() => fsPlayback({ file: bad }), (e: unknown) => e instanceof RangeError && e.message.includes(bad));
  });
});

describe('SDP and headers', () => {
  const sdp = (extra: string, payloads = '0 8 101') => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP ${payloads}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n${extra}`;
  it('sdpAudio: the first codec, telephone-event, and hold (sendonly, inactive, 0.0.0.0)', () => {
    assert.deepEqual(sdpAudio(sdp('')), { codec: 'PCMU', telephoneEvent: true, held: false });
    assert.equal(sdpAudio(sdp('', '8 101')).codec, 'PCMA');
    assert.equal(sdpAudio(sdp('a=sendonly\r\n')).held, true);
    assert.equal(sdpAudio(sdp('a=inactive\r\n')).held, true);
    assert.equal(sdpAudio(sdp('').replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0')).held, true);
    assert.equal(sdpAudio(sdp('', '0')).telephoneEvent, true, 'the rtpmap lines are still there');
    assert.deepEqual(sdpAudio('v=0\r\nm=video 4000 RTP/AVP 96\r\n'), { codec: undefined, telephoneEvent: false, held: false });
  });

  it('explicitDirection adds a=sendrecv only when no direction is given, keeping the line ends', () => {
    const out = explicitDirection(sdp(''));
    assert.ok(out.endsWith('a=sendrecv\r\n'));
    assert.equal(explicitDirection(sdp('a=recvonly\r\n')), sdp('a=recvonly\r\n'));
    assert.equal(explicitDirection('v=0\nm=audio 1 RTP/AVP 0'), 'v=0\nm=audio 1 RTP/AVP 0\na=sendrecv\n');
  });

  it('reasonCause reads the Q.850 cause of a Reason header (RFC 3326), and nothing else', () => {
    assert.equal(reasonCause('Q.850;cause=31;text="x"'), 31);
    assert.equal(reasonCause('SIP;cause=200, Q.850 ; cause = 17'), 17);
    assert.equal(reasonCause('SIP;cause=487'), undefined);
    assert.equal(reasonCause(undefined), undefined);
  });
});

describe('DigitBuffer (both engines)', () => {
  it('type-ahead, max, terminator, timeouts, the latest 64 kept, close() ends waits', async () => {
    const b = new DigitBuffer();
    for (const d of '12#34') b.push(d);
    assert.equal(await b.collect({ max: 5, terminator: '#', firstTimeoutMs: 50, interTimeoutMs: 50 }), '12');
    assert.equal(await b.collect({ max: 1, firstTimeoutMs: 50, interTimeoutMs: 50 }), '3');
    b.takeFirstOf('4');
    assert.equal(await b.collect({ max: 3, firstTimeoutMs: 30, interTimeoutMs: 30 }), '');
    for (let i = 0; i < 100; i++) b.push(String(i % 10));
    assert.equal(b.size, MAX_BUFFERED_DIGITS);
    const c = new DigitBuffer();
    const waiting = c.collect({ max: 3, firstTimeoutMs: 60_000, interTimeoutMs: 60_000 });
    setTimeout(() => c.push('7'), 10);
    setTimeout(() => c.close(), 30);
    assert.equal(await waiting, '7');
  });
});
