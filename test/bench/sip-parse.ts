// Parser and serialiser throughput on a typical INVITE with SDP.
import { parseMessage } from '../../bridge/sip/message/parser.ts';
import { serializeMessage } from '../../bridge/sip/message/serialize.ts';

const SDP = 'v=0\r\no=Z 1 1 IN IP4 127.0.0.1\r\ns=Z\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 8000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n';
const INVITE = Buffer.from([
  'INVITE sip:888888@127.0.0.1:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-524287-1---77ba9a5b1b10f5b7;rport',
  'Max-Forwards: 70',
  'Contact: <sip:13800138000@127.0.0.1:5070;transport=udp>',
  'To: <sip:888888@127.0.0.1:5060>',
  'From: "Zhang San" <sip:13800138000@127.0.0.1:5070>;tag=d0a5d3c1',
  'Call-ID: 8c7d9c2f61b34a0aa2b1b1d9a7e6e8f1@127.0.0.1',
  'CSeq: 1 INVITE',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE',
  'Content-Type: application/sdp',
  'Supported: replaces, norefersub, extended-refer, timer, outbound, path, X-cisco-serviceuri',
  'User-Agent: Z 5.4.12 v2.10.13.2',
  'Allow-Events: presence, kpml, talk',
  `Content-Length: ${SDP.length}`,
  '',
  SDP,
].join('\r\n'));

export function benchSipParse(seconds = 2): { parsePerS: number; roundTripPerS: number } {
  const run = (fn: () => void) => {
    for (let i = 0; i < 2000; i++) fn(); // warm-up
    const end = performance.now() + seconds * 1000;
    let n = 0;
    while (performance.now() < end && n < 50_000_000) { for (let i = 0; i < 100; i++) fn(); n += 100; }
    return n / seconds;
  };
  const parsePerS = run(() => { parseMessage(INVITE); });
  const roundTripPerS = run(() => { serializeMessage(parseMessage(INVITE)); });
  return { parsePerS, roundTripPerS };
}
