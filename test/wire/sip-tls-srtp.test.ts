// SRTP (SDES) on the wire, and SIP over TLS: baresip with `mediaenc
// srtp-mand` (its srtp module) and a plain G.711 baresip meet in one room of
// the embedded engine. Each sends its own tone; each must hear the other's
// (Goertzel on what it decoded). A capture of the loopback shows the secure
// leg's media is SRTP (longer by the tag, the tones not readable as PCMU)
// while the plain leg's carries its tone in clear (so the check can fail).
// Over TLS: a throwaway self-signed certificate made with openssl at test
// time; garbage and failed handshakes on the TLS port do not hurt the bridge.
// Ports: engine SIP 17300 (TLS 17301), RTP 39000–39099; secure phone SIP
// 17310 (TLS +1, ctrl +2), RTP 39120–39129; plain phone SIP 17314 (TLS +1,
// ctrl +2), RTP 39130–39139. (39100–39119: test/unit/rtp-session-srtp.test.ts.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConferenceMember } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { decodeUlaw } from '../../bridge/rtp/g711.ts';
import { Baresip } from '../support/baresip.ts';
import { goertzelPower, readSamples, slice } from '../support/audio-check.ts';
import { TestEngine } from '../support/media-engine.ts';
import { waitUntil } from '../support/ports.ts';
import { UdpCapture, type UdpDatagram } from '../support/udp-capture.ts';

const SIP_PORT = 17300;
const TLS_PORT = 17301;
const SECURE = { sip: 17310, rtp: 39120, tone: 440 };
const PLAIN = { sip: 17314, rtp: 39130, tone: 770 };
const work = mkdtempSync(join(tmpdir(), 'tls-srtp-'));
const cert = join(work, 'cert.pem');
const key = join(work, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
  '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { timeout: 30_000, stdio: 'ignore' });

const engine = new TestEngine({ sipPort: SIP_PORT, rtpMin: 39000, rtpMax: 39099, workers: 2, sip: { tls: { port: TLS_PORT, cert, key } } });

before(async () => { await engine.start(); });
after(async () => {
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

const db = (x: number): number => 10 * Math.log10(Math.max(x, 1e-12));

function toneFile(hz: number): string {
  const f = join(work, `tone-${hz}.wav`);
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', f, 'synth', '40', 'sine', String(hz), 'vol', '0.25'], { timeout: 10_000 });
  return f;
}

/** baresip's srtp module, SRTP mandatory on the account, and our certificate as its CA (for TLS). */
function secureConfig(dir: string): void {
  appendFileSync(join(dir, 'config'), `\nmodule\t\t\tsrtp.so\nsip_cafile\t\t${cert}\n`);
  const accounts = readFileSync(join(dir, 'accounts'), 'utf8').trimEnd();
  writeFileSync(join(dir, 'accounts'), `${accounts};mediaenc=srtp-mand\n`);
}

/** The RTP packets (PT 0) of datagrams to or from the 10 ports at `base`. */
function rtpOf(packets: UdpDatagram[], base: number, dir: 'from' | 'to'): Buffer[] {
  const inRange = (p: number): boolean => p >= base && p < base + 10 && p % 2 === 0;
  return packets.filter((d) => (dir === 'from' ? inRange(d.sport) : inRange(d.dport)))
    .map((d) => d.payload).filter((p) => p.length >= 12 && (p[0]! & 0xc0) === 0x80 && (p[1]! & 0x7f) === 0);
}

/** Tone power (dB) of `hz` when the packets' bytes after the 12-byte header are read as PCMU. */
function pcmuToneDb(packets: Buffer[], hz: number): number {
  const bytes = Buffer.concat(packets.slice(10, 160).map((p) => p.subarray(12, 172))); // past the first 200 ms
  return db(goertzelPower(decodeUlaw(bytes), hz));
}

async function roomCall(name: string, dialSecure: string, secureTransport: 'udp' | 'tls'): Promise<void> {
  const conference = engine.engine.createConference(`room-${name}`);
  const members = new Map<string, ConferenceMember>();
  let release!: () => void;
  const done = new Promise<void>((r) => { release = r; });
  engine.handle(`room-${name}`, async (leg) => {
    members.set(leg.from, await conference.join(leg));
    await done;
    await leg.hangup(Q850.NORMAL_CLEARING);
  });
  const secure = await Baresip.start({
    dir: join(work, `secure-${name}`), user: 'secure', sipPort: SECURE.sip, ctrlPort: SECURE.sip + 2,
    rtpPorts: `${SECURE.rtp}-${SECURE.rtp + 9}`, source: toneFile(SECURE.tone), lifetimeS: 60, configure: secureConfig,
  });
  const plain = await Baresip.start({
    dir: join(work, `plain-${name}`), user: 'plain', sipPort: PLAIN.sip, ctrlPort: PLAIN.sip + 2,
    rtpPorts: `${PLAIN.rtp}-${PLAIN.rtp + 9}`, source: toneFile(PLAIN.tone), lifetimeS: 60,
  });
  const capture = await UdpCapture.start(join(work, `${name}.pcap`), `udp and portrange ${SECURE.rtp}-${PLAIN.rtp + 9}`);
  let packets: UdpDatagram[] = [];
  try {
    const established: Record<string, number> = {};
    for (const [p, uri, n] of [[secure, dialSecure, 'secure'], [plain, `sip:room-${name}@127.0.0.1:${SIP_PORT}`, 'plain']] as const) {
      const r = await p.ctrl.command('dial', uri);
      assert.equal(r.ok, true, `${n} dial`);
      await p.ctrl.waitEvent('CALL_ESTABLISHED', 15_000);
      established[n] = Date.now();
    }
    await waitUntil(() => members.size === 2, 10_000, 'both phones in the room');
    assert.deepEqual(engine.to(`room-${name}`).map((c) => [c.call.from, c.call.transport]), [['secure', secureTransport], ['plain', 'udp']]);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 4000)); // four seconds of both talking; not a synchronisation
    const t1 = Date.now();
    release();
    await secure.ctrl.waitEvent('CALL_CLOSED', 10_000);
    await plain.ctrl.waitEvent('CALL_CLOSED', 10_000);
    packets = await capture.stop();

    // Audio: each hears the other's tone, well above its own.
    for (const [p, n, own, other] of [[secure, 'secure', SECURE.tone, PLAIN.tone], [plain, 'plain', PLAIN.tone, SECURE.tone]] as const) {
      const rec = p.decodedRecordings();
      assert.equal(rec.length, 1, `${n}: one recording`);
      const heard = slice(readSamples(rec[0]!), t0 + 500 - established[n]!, t1 - 300 - established[n]!);
      assert.ok(heard.length >= 8000 * 2, `${n}: ${heard.length / 8} ms heard`);
      const otherDb = db(goertzelPower(heard, other));
      const ownDb = db(goertzelPower(heard, own));
      console.log(`# ${name}: ${n} hears ${other} Hz at ${otherDb.toFixed(1)} dB, its own ${own} Hz at ${ownDb.toFixed(1)} dB`);
      assert.ok(otherDb - ownDb > 20, `${n} hears the other phone's tone (${otherDb.toFixed(1)} vs own ${ownDb.toFixed(1)} dB)`);
    }

    // The wire: the plain leg carries its tone readable as PCMU; the secure leg does not, and each of its
    // packets is 12 + 160 + an SRTP tag (4 or 10 bytes) long.
    const plainOut = rtpOf(packets, PLAIN.rtp, 'from');
    const secureOut = rtpOf(packets, SECURE.rtp, 'from');
    const secureIn = rtpOf(packets, SECURE.rtp, 'to');
    assert.ok(plainOut.length > 100 && secureOut.length > 100 && secureIn.length > 100,
      `captured RTP: plain ${plainOut.length}, secure out ${secureOut.length}, secure in ${secureIn.length}`);
    const clearDb = pcmuToneDb(plainOut, PLAIN.tone);
    const secureOutDb = pcmuToneDb(secureOut, SECURE.tone);
    const secureInDb = pcmuToneDb(secureIn, PLAIN.tone);
    console.log(`# ${name}: as PCMU on the wire: plain leg ${clearDb.toFixed(1)} dB at ${PLAIN.tone} Hz; secure leg out ${secureOutDb.toFixed(1)} dB at ${SECURE.tone} Hz, in ${secureInDb.toFixed(1)} dB at ${PLAIN.tone} Hz`);
    assert.ok(clearDb - secureOutDb > 30, 'the secure phone\'s tone is not readable on the wire');
    assert.ok(clearDb - secureInDb > 30, 'the bridge\'s media to the secure phone is not readable on the wire');
    const sizes = new Set([...secureOut, ...secureIn].map((p) => p.length));
    console.log(`# ${name}: secure leg packet sizes ${[...sizes].join(', ')} (${secureOut.length} out, ${secureIn.length} in)`);
    assert.ok([...sizes].every((s) => s === 176 || s === 182), `secure packet sizes ${[...sizes].join(', ')}`);
    assert.ok(plainOut.every((p) => p.length === 172), 'plain packets are 12 + 160');
  } finally {
    await capture.stop().catch(() => undefined);
    await Promise.allSettled([secure.quit(), plain.quit()]);
    release();
  }
}

test('SRTP over UDP: an SRTP phone and a plain G.711 phone in one room hear each other; the SRTP leg is not PCMU on the wire', { timeout: 90_000 }, async () => {
  await roomCall('udp', `sip:room-udp@127.0.0.1:${SIP_PORT}`, 'udp');
});

test('SRTP over TLS: baresip calls over TLS with srtp-mand; both phones hear each other; the SRTP leg is not PCMU on the wire', { timeout: 90_000 }, async () => {
  await roomCall('tls', `sip:room-tls@127.0.0.1:${TLS_PORT};transport=tls`, 'tls');
});

test('garbage and failed handshakes on the TLS port do not hurt the bridge; TLS still serves', { timeout: 30_000 }, async () => {
  // Plain text where a TLS ClientHello belongs.
  for (let i = 0; i < 5; i++) {
    const s = net.connect(TLS_PORT, '127.0.0.1');
    await new Promise<void>((r) => { s.on('connect', () => s.write('INVITE sip:x@y SIP/2.0\r\n\r\n' + 'x'.repeat(5000))); s.on('close', () => r()); s.on('error', () => r()); });
  }
  // A handshake the client aborts (it does not trust the certificate), and one cut mid-way.
  await new Promise<void>((r) => {
    const s = tls.connect({ host: '127.0.0.1', port: TLS_PORT, rejectUnauthorized: true });
    s.on('error', () => r());
    s.on('secureConnect', () => { s.destroy(); r(); });
  });
  await new Promise<void>((r) => {
    const s = net.connect(TLS_PORT, '127.0.0.1', () => { s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00])); s.destroy(); r(); });
    s.on('error', () => r());
  });
  // A well-formed TLS client gets SIP answers: OPTIONS over TLS → a response.
  const answer = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: TLS_PORT, ca: readFileSync(cert) }, () => {
      s.write([
        `OPTIONS sip:bridge@127.0.0.1:${TLS_PORT};transport=tls SIP/2.0`,
        'Via: SIP/2.0/TLS 127.0.0.1:17319;branch=z9hG4bK-tls-options-1;rport',
        'From: <sip:probe@127.0.0.1>;tag=1', 'To: <sip:bridge@127.0.0.1>', 'Call-ID: tls-options-1@127.0.0.1',
        'CSeq: 1 OPTIONS', 'Max-Forwards: 70', 'Content-Length: 0', '', '',
      ].join('\r\n'));
    });
    let got = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error(`no answer over TLS: ${got}`)); }, 5000);
    s.on('data', (d: Buffer) => { got += d.toString(); if (got.includes('\r\n\r\n')) { clearTimeout(t); s.destroy(); resolve(got); } });
    s.on('error', (e) => { clearTimeout(t); reject(e); });
  });
  assert.match(answer, /^SIP\/2\.0 200 /);
  assert.match(answer, /Via: SIP\/2\.0\/TLS/i);
});
