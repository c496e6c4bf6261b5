// Fuzz target: SDP offer/answer (bridge/sip/sdp/): parseSdp and what the
// bridge does with a peer's description — hasCommonCodec, answerOffer,
// readAnswer (RFC 3264 over RFC 4566). Seeds: offers of baresip, sipp and
// the bridge itself, RFC 4475's SDP body, held and declined streams.
// Structure: descriptions assembled from generated v/o/s/c/t/m/a lines.
// Property: each returns or throws SipError 400 (not a description) or 488
// (nothing in common), nothing else; hasCommonCodec is true exactly when
// answerOffer answers; what is negotiated is usable (port 1–65535, payload
// type 0–127, an address, a positive ptime); our answer reads back as the
// same codec.
import fc from 'fast-check';
import { SipError } from '../../../common/errors.ts';
import { answerOffer, createOffer, hasCommonCodec, readAnswer } from '../../../bridge/sip/sdp/offer-answer.ts';
import type { AudioCodec, LocalMedia, NegotiatedAudio } from '../../../bridge/sip/sdp/types.ts';
import { InvariantError, type FuzzTarget } from '../target.ts';

const CODECS: AudioCodec[] = ['PCMU', 'PCMA'];
const LOCAL: LocalMedia = { address: '127.0.0.1', port: 40000, codecs: CODECS, telephoneEvent: true, ptime: 20, sessionId: '1', sessionVersion: 1 };

const BARESIP = 'v=0\r\no=- 1740 1740 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
  + 'm=audio 10000 RTP/AVP 0 8 101\r\nb=AS:64\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n'
  + 'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\na=rtcp-mux\r\n';
const SIPP = 'v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
  + 'm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
const HOLD = 'v=0\no=- 2 3 IN IP4 0.0.0.0\ns=hold\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 7078 RTP/AVP 8\na=sendonly\n';
const VIDEO_FIRST = 'v=0\r\no=room 1 1 IN IP6 ::1\r\ns=room\r\nc=IN IP6 ::1\r\nt=0 0\r\n'
  + 'm=video 9000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio 9002 RTP/SAVP 0\r\nm=audio 9004 RTP/AVP 18 8 0\r\n'
  + 'a=rtpmap:18 G729/8000\r\na=ptime:30\r\na=recvonly\r\n';
const RFC4475_SDP = 'v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n';

const addr = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('0.0.0.0', 'host.example.com', ''));
const pt = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 8, 18, 96, 101, 127) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 1000 }) });
const mediaLine = fc.tuple(fc.constantFrom('audio', 'video', 'application', 'AUDIO'), fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 65536, max: 999999 }), fc.constant(-1)),
  fc.constantFrom('RTP/AVP', 'RTP/SAVP', 'RTP/AVPF', 'rtp/avp', 'UDP/TLS/RTP/SAVPF', ''), fc.array(pt, { maxLength: 5 }))
  .map(([t, p, proto, pts]) => `m=${t} ${p} ${proto} ${pts.join(' ')}`.trimEnd());
const attr = fc.oneof(
  fc.tuple(pt, fc.constantFrom('PCMU', 'PCMA', 'pcmu', 'telephone-event', 'opus', 'G729'), fc.constantFrom('8000', '16000', '48000/2', '', 'x'))
    .map(([p, n, r]) => `a=rtpmap:${p} ${n}${r ? `/${r}` : ''}`),
  pt.map((p) => `a=fmtp:${p} 0-16`),
  fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom('', 'x', '20.5', '1e400')).map((v) => `a=ptime:${v}`),
  fc.constantFrom('a=sendrecv', 'a=sendonly', 'a=recvonly', 'a=inactive', 'a=rtcp-mux', 'a=rtcp:9 IN IP4 0.0.0.0', 'b=AS:64', 'i=info'),
);
const connection = addr.map((a) => `c=IN ${a.includes(':') ? 'IP6' : 'IP4'} ${a}`);
const section = fc.tuple(mediaLine, fc.option(connection, { nil: undefined }), fc.array(attr, { maxLength: 6 }))
  .map(([m, c, as]) => [m, ...(c ? [c] : []), ...as]);

const structured: fc.Arbitrary<Buffer> = fc.record({
  version: fc.constantFrom('0', '0', '0', '1', ''), origin: addr, session: fc.option(connection, { nil: undefined }),
  sessionAttrs: fc.array(attr, { maxLength: 2 }), sections: fc.array(section, { maxLength: 3 }), eol: fc.constantFrom('\r\n', '\n'),
}).map((r) => Buffer.from([`v=${r.version}`, `o=- 1 1 IN IP4 ${r.origin}`, 's=-', ...(r.session ? [r.session] : []), 't=0 0',
  ...r.sessionAttrs, ...r.sections.flat()].join(r.eol) + r.eol, 'utf8'));

function usable(a: NegotiatedAudio, what: string): void {
  const bad = (why: string): never => { throw new InvariantError(`${what}: ${why} in ${JSON.stringify(a)}`); };
  if (!Number.isInteger(a.remotePort) || a.remotePort < 1 || a.remotePort > 65535) bad('remote port');
  if (!Number.isInteger(a.payloadType) || a.payloadType < 0 || a.payloadType > 127) bad('payload type');
  if (a.telephoneEventPt !== undefined && (!Number.isInteger(a.telephoneEventPt) || a.telephoneEventPt < 0 || a.telephoneEventPt > 127)) bad('telephone-event payload type');
  if (typeof a.remoteAddress !== 'string' || a.remoteAddress.length === 0) bad('remote address');
  if (typeof a.remotePtime !== 'number' || !Number.isFinite(a.remotePtime) || a.remotePtime <= 0 || a.remotePtime > 1000) bad('ptime');
  if (!CODECS.includes(a.codec)) bad('codec');
}

function only488(err: unknown): void {
  if (!(err instanceof SipError && err.status === 488)) throw err;
}

function run(input: Buffer): void {
  const text = input.toString('utf8');
  const common = hasCommonCodec(text, CODECS); // SipError 400: not a description
  let answered: ReturnType<typeof answerOffer> | undefined;
  try {
    answered = answerOffer(text, LOCAL);
  } catch (err) {
    only488(err);
  }
  if ((answered !== undefined) !== common) throw new InvariantError(`hasCommonCodec ${common} but answerOffer ${answered ? 'answered' : 'refused'}`);
  if (answered) {
    usable(answered.audio, 'answerOffer');
    const back = readAnswer(answered.answer, LOCAL);
    if (back.codec !== answered.audio.codec || back.payloadType !== answered.audio.payloadType) throw new InvariantError('our answer reads back as another codec');
  }
  try {
    usable(readAnswer(text, LOCAL), 'readAnswer');
  } catch (err) {
    only488(err);
  }
}

export const sdpTarget: FuzzTarget = {
  name: 'sdp',
  seeds: [BARESIP, SIPP, HOLD, VIDEO_FIRST, RFC4475_SDP, createOffer(LOCAL)].map((s) => Buffer.from(s, 'utf8')),
  structured,
  dictionary: ['\r\n', '\n', ' ', '=', ':', '/', 'm=audio ', 'c=IN IP4 ', 'a=rtpmap:', 'a=ptime:', 'a=fmtp:', 'RTP/AVP', '0.0.0.0', '::', '\x00', '\xff'],
  expected: (err) => err instanceof SipError && (err.status === 400 || err.status === 488),
  run,
};
