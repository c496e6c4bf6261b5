// Symmetric RTP / latching on the wire: a caller announces media port A in its
// SDP but sends RTP from port B (as a phone behind NAT does). The bridge must
// hear B (digits and audio), send its own RTP to B from then on, and ignore a
// stranger C that sends to the same bridge port. The caller's signalling is a
// small raw-UDP SIP UA in this file (INVITE / ACK, answers the bridge's BYE),
// so that the 200 OK's SDP gives us the bridge's RTP port.
// Ports: engine SIP 15603, RTP 40600–40799; caller SIP 15770, A 15772, B 15774, C 15776.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Recording } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { encodeUlaw } from '../../bridge/rtp/g711.ts';
import { parseRtp, serializeRtp, type RtpPacket } from '../../bridge/rtp/rtp-packet.ts';
import { telephoneEventPackets } from '../../bridge/rtp/telephone-event.ts';
import { dominantFrequency, goertzelPower, readSamples, slice } from '../support/audio-check.ts';
import { TestEngine } from '../support/media-engine.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 15603;
const UA_PORT = 15770;
const PORT_A = 15772;
const PORT_B = 15774;
const PORT_C = 15776;
const HOST = '127.0.0.1';

const engine = new TestEngine({ sipPort: SIP_PORT, rtpMin: 40600, rtpMax: 40799 });
const work = mkdtempSync(join(tmpdir(), 'media-latching-'));

before(async () => { await engine.start(); });
after(async () => {
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------- helpers

async function bindUdp(port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, HOST, () => { s.off('error', reject); resolve(); });
  });
  return s;
}

const closeUdp = (s: dgram.Socket) => new Promise<void>((r) => s.close(() => r()));

/** Collects what arrives on a socket: SIP text or RTP packets. */
class Inbox<T> {
  readonly items: T[] = [];
  private waiters: (() => void)[] = [];
  push(x: T): void { this.items.push(x); for (const w of this.waiters.splice(0)) w(); }
  /** The first item (from index `from`) that matches, within timeoutMs. */
  async next(match: (x: T) => boolean, timeoutMs: number, what: string, from = 0): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.items.slice(from).find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }
}

/** A datagram that arrived; `packet` is undefined when it was not RTP. */
interface Received { packet: RtpPacket | undefined; from: number }

function rtpInbox(sock: dgram.Socket): Inbox<Received> {
  const box = new Inbox<Received>();
  sock.on('message', (msg, rinfo) => {
    let packet: RtpPacket | undefined;
    try { packet = parseRtp(msg); } catch { packet = undefined; } // counted, as not RTP
    box.push({ packet, from: rinfo.port });
  });
  return box;
}

/** One RTP sender (own SSRC, sequence, timestamp) on a socket. */
class RtpSender {
  private seq = 100;
  private ts = 8000;
  constructor(private readonly sock: dgram.Socket, readonly ssrc: number, private readonly to: number) {}

  private send(payloadType: number, marker: boolean, timestamp: number, payload: Uint8Array): void {
    this.sock.send(serializeRtp({ marker, payloadType, seq: this.seq, timestamp, ssrc: this.ssrc, csrc: [], payload, paddingLength: 0 }), this.to, HOST);
    this.seq = (this.seq + 1) & 0xffff;
  }

  /** One 20 ms PCMU frame of a sine at `hz` (phase continues from the timestamp). */
  audio(hz: number, amplitude = 8000): void {
    const pcm = new Int16Array(160);
    for (let i = 0; i < 160; i++) pcm[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * (this.ts + i)) / 8000));
    this.send(0, false, this.ts, encodeUlaw(pcm));
    this.ts = (this.ts + 160) >>> 0;
  }

  /** One keypress as RFC 4733 events on PT 101, paced as a phone sends them. */
  async digit(d: string, durationMs = 100): Promise<void> {
    const packets = telephoneEventPackets(d, { startTimestamp: this.ts, durationMs, packetMs: 20 });
    const t0 = Date.now();
    for (const p of packets) {
      const wait = p.offsetMs - (Date.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait)); // pacing, not synchronisation
      this.send(101, p.marker, p.timestamp, p.payload);
    }
    this.ts = (this.ts + durationMs * 8) >>> 0;
  }
}

/** Sends a 20 ms frame from each sender every 20 ms until `until()` holds or limitMs passes. */
async function stream(senders: { s: RtpSender; hz: number }[], until: () => boolean, limitMs: number): Promise<number> {
  const t0 = Date.now();
  let frames = 0;
  while (!until() && Date.now() - t0 < limitMs) {
    for (const x of senders) x.s.audio(x.hz);
    frames++;
    const due = t0 + frames * 20;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()))); // pacing
  }
  return frames;
}

function header(msg: string, name: string): string | undefined {
  return new RegExp(`^${name}\\s*:\\s*(.*)$`, 'im').exec(msg)?.[1]?.trim();
}

// ---------------------------------------------------------------- the test

describe('symmetric RTP (latching)', () => {
  test('RTP from another port than the SDP is heard and answered there; a stranger on the same bridge port is ignored', async () => {
    const path = join(work, 'latched.wav');
    engine.handle('latch', async (leg) => {
      const digits = await leg.collect({ max: 10, terminator: '#', firstTimeoutMs: 5000, interTimeoutMs: 3000 });
      const rec = await leg.record({ path, maxMs: 1000 });
      await leg.hangup(Q850.NORMAL_CLEARING);
      return { digits, rec };
    });

    const sip = await bindUdp(UA_PORT);
    const [a, b, c] = await Promise.all([bindUdp(PORT_A), bindUdp(PORT_B), bindUdp(PORT_C)]);
    const sipIn = new Inbox<string>();
    sip.on('message', (m) => sipIn.push(m.toString('utf8')));
    const atA = rtpInbox(a);
    const atB = rtpInbox(b);
    const atC = rtpInbox(c);
    try {
      // --- INVITE announcing media port A
      const callId = `latch-${Date.now()}@${HOST}`;
      const from = `<sip:tester@${HOST}:${UA_PORT}>;tag=lt1`;
      const sdp = ['v=0', `o=tester 1 1 IN IP4 ${HOST}`, 's=-', `c=IN IP4 ${HOST}`, 't=0 0',
        `m=audio ${PORT_A} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
      const invite = [`INVITE sip:latch@${HOST}:${SIP_PORT} SIP/2.0`, `Via: SIP/2.0/UDP ${HOST}:${UA_PORT};branch=z9hG4bK-lt-inv;rport`,
        'Max-Forwards: 70', `From: ${from}`, `To: <sip:latch@${HOST}:${SIP_PORT}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE',
        `Contact: <sip:tester@${HOST}:${UA_PORT}>`, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp].join('\r\n');
      sip.send(invite, SIP_PORT, HOST);
      const ok = await sipIn.next((m) => m.startsWith('SIP/2.0 200') && /CSeq:\s*1 INVITE/i.test(m), 5000, '200 OK to the INVITE');
      const bridgePort = Number(/^m=audio (\d+) /m.exec(ok)?.[1]);
      assert.ok(bridgePort >= 40600 && bridgePort <= 40799, `bridge RTP port ${bridgePort}`);
      const to = header(ok, 'To')!;
      const contact = /<([^>]+)>/.exec(header(ok, 'Contact') ?? '')?.[1] ?? `sip:latch@${HOST}:${SIP_PORT}`;
      sip.send([`ACK ${contact} SIP/2.0`, `Via: SIP/2.0/UDP ${HOST}:${UA_PORT};branch=z9hG4bK-lt-ack;rport`, 'Max-Forwards: 70',
        `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n'), SIP_PORT, HOST);

      // --- B speaks first: the bridge latches on B and sends its RTP there
      const fromB = new RtpSender(b, 0xb0b0b0b0, bridgePort);
      const fromC = new RtpSender(c, 0xc0c0c0c0, bridgePort);
      const bridgeAudio = (r: Received) => r.from === bridgePort && r.packet?.payloadType === 0;
      await stream([{ s: fromB, hz: 1000 }], () => atB.items.some(bridgeAudio), 3000);
      const firstAtB = await atB.next(bridgeAudio, 1000, 'bridge RTP at port B');

      // --- digits: B "1", stranger C "9", B "2", stranger C "#", B "3", B "#"
      await fromB.digit('1');
      await fromC.digit('9');
      await fromB.digit('2');
      await fromC.digit('#');
      await fromB.digit('3');
      await fromB.digit('#');

      // --- audio: B sends 1 kHz, C 2 kHz, at once, while the handler records 1 s and then hangs up
      await waitUntil(() => engine.to('latch')[0]?.leg !== undefined, 3000, 'the leg');
      const isBye = (m: string) => m.startsWith('BYE ');
      await stream([{ s: fromB, hz: 1000 }, { s: fromC, hz: 2000 }], () => sipIn.items.some(isBye), 5000);

      // --- the bridge hangs up: answer its BYE
      const bye = await sipIn.next(isBye, 1000, "the bridge's BYE");
      sip.send(['SIP/2.0 200 OK', ...['Via', 'From', 'To', 'Call-ID', 'CSeq'].map((h) => `${h}: ${header(bye, h)}`), 'Content-Length: 0', '', ''].join('\r\n'), SIP_PORT, HOST);

      const h = await engine.finished('latch');
      assert.equal(h.error, undefined, String(h.error));
      const { digits, rec } = h.result as { digits: string; rec: Recording };
      assert.equal(digits, '123', `events: ${JSON.stringify(h.dtmf)}`);
      assert.deepEqual(h.dtmf.map((e) => [e.digit, e.source]), [['1', 'rfc4733'], ['2', 'rfc4733'], ['3', 'rfc4733'], ['#', 'rfc4733']]);

      // B was heard, C was not: the recording is B's 1 kHz with no trace of C's 2 kHz.
      assert.equal(rec.endedBy, 'max');
      const pcm = slice(readSamples(path), 200, 1000);
      const dom = dominantFrequency(pcm);
      assert.equal(dom.hz, 1000, `dominant ${dom.hz} Hz`);
      assert.ok(dom.share > 0.9, `1 kHz share ${dom.share}`);
      const ratio = goertzelPower(pcm, 2000) / goertzelPower(pcm, 1000);
      assert.ok(ratio < 1e-3, `2 kHz / 1 kHz power ${ratio}`);

      // The bridge answered B, never C; after latching nothing more went to A.
      assert.ok(atB.items.filter((r) => r.from === bridgePort).length > 20, `packets at B: ${atB.items.length}`);
      assert.equal(atC.items.length, 0, 'nothing sent to the stranger');
      const firstSeqAtB = firstAtB.packet!.seq;
      for (const r of atA.items.filter(bridgeAudio)) {
        const before = (firstSeqAtB - r.packet!.seq) & 0xffff;
        assert.ok(before > 0 && before < 0x8000, `packet ${r.packet!.seq} went to A after B got ${firstSeqAtB}`);
      }
      console.log(`# bridge RTP port ${bridgePort}: ${atA.items.length} packets to A (before latching), ${atB.items.length} to B, ${atC.items.length} to C; 2 kHz/1 kHz ${ratio.toExponential(1)}`);
    } finally {
      await Promise.all([sip, a, b, c].map(closeUdp));
    }
  });
});
