// Fuzz target: SRTP and SRTCP packets as they arrive (bridge/rtp/srtp.ts,
// RFC 3711). Seeds: packets protected under a fixed test key (RTP of G.711,
// with CSRCs and an extension, and an SRTCP report), so the mutations probe
// the header walk, the tag check and the replay logic around valid packets.
// Structure: generated RTP packets protected under the same key.
// Property: unprotect never throws (a bad packet is counted and dropped, -1);
// a packet it accepts is the input less its tag, and protecting the result
// again under a fresh sender gives back the input byte for byte.
import fc from 'fast-check';
import { serializeRtp } from '../../../bridge/rtp/rtp-packet.ts';
import { SrtpContext, SRTP_MAX_OVERHEAD } from '../../../bridge/rtp/srtp.ts';
import { InvariantError, type FuzzTarget } from '../target.ts';

const SUITE = 'AES_CM_128_HMAC_SHA1_80';
const MASTER = Buffer.from('E1F97A0D3E018BE0D64FA32C06DE41390EC675AD498AFEEBB6960B3AABE6', 'hex'); // RFC 3711 B.3
const TAG = 10;

function protectRtp(plain: Buffer): Buffer {
  const buf = Buffer.concat([plain, Buffer.alloc(SRTP_MAX_OVERHEAD)]);
  const n = new SrtpContext(SUITE, MASTER).protectRtp(buf, plain.length);
  return n < 0 ? plain : buf.subarray(0, n);
}

function seeds(): Buffer[] {
  const g711 = new Uint8Array(160).fill(0xff);
  const rtcp = Buffer.concat([Buffer.from('80c80006000012340000000000000000000000000000000000000000', 'hex'), Buffer.alloc(SRTP_MAX_OVERHEAD)]);
  const n = new SrtpContext(SUITE, MASTER).protectRtcp(rtcp, 28);
  return [
    protectRtp(serializeRtp({ marker: false, payloadType: 0, seq: 1, timestamp: 160, ssrc: 0x1234, csrc: [], payload: g711, paddingLength: 0 })),
    protectRtp(serializeRtp({ marker: true, payloadType: 8, seq: 65535, timestamp: 7, ssrc: 9, csrc: [1, 2], extension: { profile: 0xbede, data: Uint8Array.of(0x10, 0xaa, 0, 0) }, payload: g711, paddingLength: 4 })),
    rtcp.subarray(0, n),
  ];
}

const structured: fc.Arbitrary<Buffer> = fc.record({
  payloadType: fc.integer({ min: 0, max: 127 }),
  seq: fc.integer({ min: 0, max: 0xffff }),
  ssrc: fc.nat().map((n) => n >>> 0),
  csrc: fc.array(fc.nat().map((n) => n >>> 0), { maxLength: 15 }),
  payload: fc.uint8Array({ maxLength: 320 }),
}).map((p) => protectRtp(serializeRtp({ marker: false, timestamp: 0, paddingLength: 0, ...p })));

function run(input: Buffer): void {
  const rtp = Buffer.from(input);
  const n = new SrtpContext(SUITE, MASTER).unprotectRtp(rtp, rtp.length);
  if (n >= 0) {
    if (n !== input.length - TAG) throw new InvariantError(`accepted RTP of ${n} bytes from ${input.length}`);
    const again = protectRtp(Buffer.from(rtp.subarray(0, n)));
    if (!again.equals(input)) throw new InvariantError('unprotect → protect does not give the packet back');
  }
  const rtcp = Buffer.from(input);
  const m = new SrtpContext(SUITE, MASTER).unprotectRtcp(rtcp, rtcp.length);
  if (m >= 0 && m !== input.length - TAG - 4) throw new InvariantError(`accepted RTCP of ${m} bytes from ${input.length}`);
}

export const srtpTarget: FuzzTarget = {
  name: 'srtp',
  seeds: seeds(),
  structured,
  dictionary: ['\x80', '\x90', '\xa0', '\xff', '\x00', '\xbe\xde', '\xff\xff', '\x80\x00\x00\x00', '\x00\x00\x00\x00'],
  expected: () => false, // nothing may be thrown: bad packets are dropped
  run,
};
