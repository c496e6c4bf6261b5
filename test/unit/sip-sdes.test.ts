// SDES (RFC 4568): a=crypto parsing and writing, and SRTP in the offer/answer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as sdpTransform from 'sdp-transform';
import { chooseCrypto, formatCrypto, newMasterKey, parseCrypto } from '../../bridge/sip/sdp/crypto.ts';
import { answerOffer, hasCommonCodec, readAnswer } from '../../bridge/sip/sdp/offer-answer.ts';
import type { LocalMedia } from '../../bridge/sip/sdp/types.ts';
import { SipError } from '../../common/errors.ts';

const local: LocalMedia = { address: '127.0.0.1', port: 20000, codecs: ['PCMU', 'PCMA'], telephoneEvent: true, ptime: 20, sessionId: '42', sessionVersion: 1 };
const KEY = randomBytes(30).toString('base64');
const KEY2 = randomBytes(30).toString('base64');

function offer(media: string): string {
  return ['v=0', 'o=- 1 1 IN IP4 10.0.0.5', 's=-', 'c=IN IP4 10.0.0.5', 't=0 0', media].join('\r\n') + '\r\n';
}
const is488 = (e: unknown): boolean => e instanceof SipError && e.status === 488;

describe('a=crypto (RFC 4568 §9.1)', () => {
  test('inline key of both suites; a lifetime is accepted and ignored', () => {
    assert.deepEqual(parseCrypto({ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${KEY}` }),
      { ok: true, crypto: { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: KEY } });
    const r = parseCrypto({ id: 7, suite: 'AES_CM_128_HMAC_SHA1_32', config: `inline:${KEY}|2^20` });
    assert.ok(r.ok && r.crypto.suite === 'AES_CM_128_HMAC_SHA1_32' && r.crypto.tag === 7);
  });

  test('refused cleanly: unknown suite, MKI, session parameters, short or non-base64 key, two keys, other key method', () => {
    const bad = [
      { id: 1, suite: 'AES_256_CM_HMAC_SHA1_80', config: `inline:${KEY}` },
      { id: 1, suite: 'F8_128_HMAC_SHA1_80', config: `inline:${KEY}` },
      { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${KEY}|2^20|1:4` },
      { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${KEY}`, sessionConfig: 'UNENCRYPTED_SRTP' },
      { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${randomBytes(16).toString('base64')}` },
      { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: 'inline:!!!!not-base64!!!!' },
      { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${KEY};inline:${KEY2}` },
      { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `uri:https://keys.example/${KEY}` },
      { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${KEY}|lifetime` },
      { id: Number.NaN, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${KEY}` },
    ];
    for (const a of bad) assert.equal(parseCrypto(a).ok, false, JSON.stringify(a));
  });

  test('the first usable line of the offer is chosen', () => {
    const c = chooseCrypto([
      { id: 1, suite: 'AES_256_CM_HMAC_SHA1_80', config: `inline:${KEY}` },
      { id: 2, suite: 'AES_CM_128_HMAC_SHA1_32', config: `inline:${KEY}` },
      { id: 3, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${KEY2}` },
    ]);
    assert.deepEqual(c, { tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', key: KEY });
    assert.equal(chooseCrypto(undefined), undefined);
  });

  test('fresh keys are 30 random bytes; the written line parses back', () => {
    const k = newMasterKey();
    assert.equal(Buffer.from(k, 'base64').length, 30);
    assert.notEqual(k, newMasterKey());
    assert.equal(formatCrypto({ tag: 3, suite: 'AES_CM_128_HMAC_SHA1_80', key: k }), `3 AES_CM_128_HMAC_SHA1_80 inline:${k}`);
  });
});

describe('SRTP in offer/answer', () => {
  test('RTP/SAVP + a=crypto → answered RTP/SAVP with the chosen tag and suite and our own key; keys for the worker', () => {
    const o = offer(`m=audio 4000 RTP/SAVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:${KEY2}\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^31`);
    assert.equal(hasCommonCodec(o, ['PCMU']), true);
    const { answer, audio } = answerOffer(o, local);
    const m = sdpTransform.parse(answer).media[0]!;
    assert.equal(m.protocol, 'RTP/SAVP');
    assert.equal(m.crypto?.length, 1);
    assert.equal(m.crypto![0]!.id, 2);
    assert.equal(m.crypto![0]!.suite, 'AES_CM_128_HMAC_SHA1_80');
    const ours = m.crypto![0]!.config.replace(/^inline:/, '');
    assert.notEqual(ours, KEY, 'our own key, not the offerer\'s');
    assert.equal(Buffer.from(ours, 'base64').length, 30);
    assert.deepEqual(audio.srtp, { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: ours, remoteKey: KEY });
    assert.equal(audio.codec, 'PCMU');
  });

  test('plain RTP/AVP is answered as before, with no keys', () => {
    const { answer, audio } = answerOffer(offer('m=audio 4000 RTP/AVP 0'), local);
    assert.equal(audio.srtp, undefined);
    assert.match(answer, /m=audio 20000 RTP\/AVP 0/);
    assert.doesNotMatch(answer, /a=crypto/);
  });

  test('RTP/SAVP without a usable a=crypto is declined; alone → 488; beside plain RTP → the plain stream', () => {
    const noCrypto = 'm=audio 4000 RTP/SAVP 0';
    const mki = `m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`;
    for (const m of [noCrypto, mki]) {
      assert.equal(hasCommonCodec(offer(m), ['PCMU']), false);
      assert.throws(() => answerOffer(offer(m), local), is488);
    }
    const { answer, audio } = answerOffer(offer(`${mki}\r\nm=audio 4002 RTP/AVP 8`), local);
    assert.equal(audio.remotePort, 4002);
    assert.equal(audio.srtp, undefined);
    assert.deepEqual(sdpTransform.parse(answer).media.map((x) => [x.protocol, x.port]), [['RTP/SAVP', 0], ['RTP/AVP', 20000]]);
  });

  test('an SRTP offer with no common codec is still 488', () => {
    assert.throws(() => answerOffer(offer(`m=audio 4000 RTP/SAVP 18\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`), local), is488);
  });

  test('an RTP/SAVP answer to our plain offer is not accepted', () => {
    const ans = offer(`m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`);
    assert.throws(() => readAnswer(ans, local), is488);
  });
});
