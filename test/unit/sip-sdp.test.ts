// RFC 3264 offer/answer for G.711 + telephone-event.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as sdpTransform from 'sdp-transform';
import { answerOffer, createOffer, hasCommonCodec, readAnswer } from '../../bridge/sip/sdp/offer-answer.ts';
import type { LocalMedia } from '../../bridge/sip/sdp/types.ts';
import { SipError } from '../../common/errors.ts';

const local: LocalMedia = { address: '127.0.0.1', port: 20000, codecs: ['PCMU', 'PCMA'], telephoneEvent: true, ptime: 20, sessionId: '42', sessionVersion: 1 };

function offer(media: string, session = 'c=IN IP4 10.0.0.5'): string {
  return ['v=0', 'o=- 1 1 IN IP4 10.0.0.5', 's=-', session, 't=0 0', media].join('\r\n') + '\r\n';
}

describe('RFC 3264 answers', () => {
  test('PCMU/PCMA/telephone-event offer → PCMU and the offer\'s telephone-event payload type', () => {
    const { answer, audio } = answerOffer(offer('m=audio 4000 RTP/AVP 0 8 96\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\na=ptime:30'), local);
    assert.deepEqual(audio, { codec: 'PCMU', payloadType: 0, telephoneEventPt: 96, remoteAddress: '10.0.0.5', remotePort: 4000, remotePtime: 30, direction: 'sendrecv' });
    const parsed = sdpTransform.parse(answer);
    assert.equal(parsed.media.length, 1);
    assert.equal(parsed.media[0]!.payloads, '0 96');
    assert.equal(parsed.media[0]!.port, 20000);
    assert.equal(parsed.connection?.ip, '127.0.0.1');
    assert.equal(parsed.origin.sessionVersion, 1);
  });

  test('the offerer\'s preference order wins (§6.1): PCMA first → PCMA', () => {
    assert.equal(answerOffer(offer('m=audio 4000 RTP/AVP 8 0'), local).audio.codec, 'PCMA');
  });

  test('dynamic payload types with rtpmap are recognised by name', () => {
    const { audio } = answerOffer(offer('m=audio 4000 RTP/AVP 112 18\r\na=rtpmap:112 PCMA/8000\r\na=rtpmap:18 G729/8000'), local);
    assert.equal(audio.codec, 'PCMA');
    assert.equal(audio.payloadType, 112);
    assert.equal(audio.telephoneEventPt, undefined);
  });

  test('video and other streams are declined with port 0, keeping their formats (§6)', () => {
    const o = offer('m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\nm=video 4002 RTP/AVP 96 97\r\na=rtpmap:96 H264/90000\r\nm=application 5000 UDP/BFCP *');
    const parsed = sdpTransform.parse(answerOffer(o, local).answer);
    assert.equal(parsed.media.length, 3, 'one answer line per offered stream');
    assert.deepEqual(parsed.media.map((m) => [m.type, m.port]), [['audio', 20000], ['video', 0], ['application', 0]]);
    assert.equal(parsed.media[1]!.payloads, '96 97');
  });

  test('SRTP-only audio is declined; with no usable stream → 488', () => {
    assert.throws(() => answerOffer(offer('m=audio 4000 RTP/SAVP 0'), local), (e: unknown) => e instanceof SipError && e.status === 488);
  });

  test('no common codec → 488', () => {
    assert.throws(() => answerOffer(offer('m=audio 4000 RTP/AVP 18 9'), local), (e: unknown) => e instanceof SipError && e.status === 488);
  });

  test('hold: sendonly → we answer recvonly; inactive → inactive; c=0.0.0.0 (RFC 2543 hold) → recvonly', () => {
    assert.equal(answerOffer(offer('m=audio 4000 RTP/AVP 0\r\na=sendonly'), local).audio.direction, 'recvonly');
    assert.equal(answerOffer(offer('m=audio 4000 RTP/AVP 0\r\na=inactive'), local).audio.direction, 'inactive');
    assert.equal(answerOffer(offer('m=audio 4000 RTP/AVP 0', 'c=IN IP4 0.0.0.0'), local).audio.direction, 'recvonly');
    assert.match(answerOffer(offer('m=audio 4000 RTP/AVP 0\r\na=sendonly'), local).answer, /a=recvonly/);
  });

  test('media-level c= overrides the session one', () => {
    assert.equal(answerOffer(offer('m=audio 4000 RTP/AVP 0\r\nc=IN IP4 192.0.2.9'), local).audio.remoteAddress, '192.0.2.9');
  });

  test('garbage is a 400, not a crash', () => {
    assert.throws(() => answerOffer('hello', local), (e: unknown) => e instanceof SipError);
  });
});

describe('our offers', () => {
  test('createOffer lists PCMU, PCMA and telephone-event/101 at ptime 20', () => {
    const parsed = sdpTransform.parse(createOffer(local));
    assert.equal(parsed.media[0]!.payloads, '0 8 101');
    assert.equal(parsed.media[0]!.ptime, 20);
    assert.deepEqual(parsed.media[0]!.fmtp, [{ payload: 101, config: '0-16' }]);
  });

  test('readAnswer takes the codec and address of the answer', () => {
    const a = readAnswer(offer('m=audio 6000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000'), local);
    assert.equal(a.codec, 'PCMA');
    assert.equal(a.telephoneEventPt, 101);
    assert.equal(a.remotePort, 6000);
  });

  test('an answer with the audio stream rejected → 488', () => {
    assert.throws(() => readAnswer(offer('m=audio 0 RTP/AVP 0'), local), (e: unknown) => e instanceof SipError && e.status === 488);
  });
});

describe('is there a common codec (decides 488 before any media is set up)', () => {
  const codecs = ['PCMU', 'PCMA'] as const;
  const cases: Array<[string, string, boolean]> = [
    ['PCMU', offer('m=audio 4000 RTP/AVP 0'), true],
    ['PCMA by rtpmap on a dynamic type', offer('m=audio 4000 RTP/AVP 112\r\na=rtpmap:112 PCMA/8000'), true],
    ['G.729 and G.722 only', offer('m=audio 4000 RTP/AVP 18 9'), false],
    ['PCMU at 16 kHz', offer('m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/16000'), false],
    ['telephone-event alone', offer('m=audio 4000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000'), false],
    ['SRTP only', offer('m=audio 4000 RTP/SAVP 0'), false],
    ['audio declined (port 0)', offer('m=audio 0 RTP/AVP 0'), false],
    ['video only', offer('m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000'), false],
    ['video first, then PCMU audio', offer('m=video 4002 RTP/AVP 96\r\nm=audio 4000 RTP/AVP 0'), true],
    ['no connection address anywhere', offer('m=audio 4000 RTP/AVP 0', 'b=AS:64'), false],
    ['no media at all', offer(''), false],
  ];

  for (const [name, sdp, expected] of cases) {
    test(`${name} → ${expected ? 'answerable' : '488'}, the same as answerOffer decides`, () => {
      assert.equal(hasCommonCodec(sdp, codecs), expected);
      if (expected) assert.doesNotThrow(() => answerOffer(sdp, local));
      else assert.throws(() => answerOffer(sdp, local), (e: unknown) => e instanceof SipError && e.status === 488);
    });
  }

  test('only the codecs asked about count: PCMA offered, PCMU asked → none', () => {
    assert.equal(hasCommonCodec(offer('m=audio 4000 RTP/AVP 8'), ['PCMU']), false);
    assert.equal(hasCommonCodec(offer('m=audio 4000 RTP/AVP 8'), ['PCMA']), true);
  });

  test('a body that is not SDP is a 400, as answerOffer says', () => {
    for (const text of ['hello', '', 'v=1\r\nm=audio 4000 RTP/AVP 0\r\n']) {
      assert.throws(() => hasCommonCodec(text, codecs), (e: unknown) => e instanceof SipError && e.status === 400, JSON.stringify(text));
      assert.throws(() => answerOffer(text, local), (e: unknown) => e instanceof SipError && e.status === 400, JSON.stringify(text));
    }
  });
});
