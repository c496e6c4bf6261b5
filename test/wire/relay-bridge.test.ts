// A relay's media path on the wire (Engine.bridge, what ivr/flows/relay.ts
// uses to join a caller to the room's host node): sipp calls the relaying
// engine, which calls "the host" (a tone UAS, our own user agent) and
// bridges the two legs, directly when both far ends take the re-INVITE that
// points them at each other, else packet for packet. Each side's tone must
// reach the other (sipp's tone from its pcap, measured at the host; the
// host's tone captured on the wire at sipp's media port), and the packets'
// source says which way they went.
// Ports: relaying engine SIP 17360, RTP 42800–42839; tone UAS SIP 17362, RTP
// 42840–42859; sipp SIP 17364–17368, sipp media 17370–17379.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallLeg, LegBridge } from '../../bridge/port.ts';
import { decodeUlaw } from '../../bridge/rtp/g711.ts';
import { parseRtp } from '../../bridge/rtp/rtp-packet.ts';
import { steadyToneDb } from '../support/audio-check.ts';
import { TestEngine } from '../support/media-engine.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { runSipp } from '../support/sipp.ts';
import { ToneUas, type UasCall } from '../support/tone-uas.ts';
import { UdpCapture, type UdpDatagram } from '../support/udp-capture.ts';

const RELAY_PORT = 17360;
const UAS_PORT = 17362;
const CALLER_TONE = 700;
const HOST_TONE = 1000;
const engine = new TestEngine({ sipPort: RELAY_PORT, rtpMin: 42800, rtpMax: 42839 });
let uas: ToneUas;
const work = mkdtempSync(join(tmpdir(), 'relay-bridge-'));
let pcap = '';

before(async () => {
  await engine.start();
  uas = await ToneUas.start({ port: UAS_PORT, rtpMin: 42840, rtpMax: 42859, toneHz: HOST_TONE });
  pcap = join(work, 'tone.pcap');
  makePcap(pcap, [`tone:${CALLER_TONE}:8`]);
});

after(async () => {
  await uas?.close();
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

interface Relayed { direct: boolean; refused?: string; out: CallLeg }

/** The relaying side: call the host in the caller's codec, bridge directly if both far ends agree, else pass packets on. */
function relayTo(number: string): void {
  engine.handle(number, async (leg): Promise<Relayed> => {
    const out = await engine.engine.originate({ uri: `sip:room@127.0.0.1:${UAS_PORT}` }, { from: { user: 'relay' }, codecs: [leg.codec] });
    let link: LegBridge;
    let refused: string | undefined;
    try {
      link = await engine.engine.bridge!(leg, out, { direct: true });
    } catch (err) {
      refused = (err as Error).message;
      link = await engine.engine.bridge!(leg, out);
    }
    await new Promise<void>((r) => { leg.on('hangup', () => r()); if (leg.ended) r(); });
    await out.hangup().catch(() => undefined);
    await link.close();
    return { direct: link.direct, ...(refused ? { refused } : {}), out };
  });
}

/** What sipp received on its media port from `from` (host:port, or any source), decoded, and the sources seen. */
function received(dgrams: UdpDatagram[], port: number): { sources: Map<string, number>; pcm: (from: string) => Int16Array } {
  const sources = new Map<string, number>();
  const rtp = dgrams.filter((d) => d.dport === port).flatMap((d) => {
    try {
      const p = parseRtp(d.payload);
      if (p.payloadType !== 0) return [];
      const src = `${d.src}:${d.sport}`;
      sources.set(src, (sources.get(src) ?? 0) + 1);
      return [{ src, payload: p.payload }];
    } catch { return []; }
  });
  return {
    sources,
    pcm: (from) => Int16Array.from(rtp.filter((p) => p.src === from).flatMap((p) => Array.from(decodeUlaw(p.payload)))),
  };
}

/** Level of `hz` over its floor (the level of a frequency nobody sends) in `x`. */
const over = (x: Int16Array, hz: number) => steadyToneDb(x, hz) - steadyToneDb(x, 1700);

async function run(number: string, scenario: string, sippPort: number, mediaPort: number): Promise<{ relayed: Relayed; host: UasCall; atSipp: ReturnType<typeof received> }> {
  relayTo(number);
  const calls = uas.calls.length;
  const cap = await UdpCapture.start(join(work, `${number}.pcap`), `udp and dst port ${mediaPort}`);
  let dgrams: UdpDatagram[] = [];
  try {
    const r = await runSipp({ scenario, remote: `127.0.0.1:${RELAY_PORT}`, localPort: sippPort, mediaPort, service: number, calls: 1, durationMs: 4000, keys: { pcap }, timeoutS: 30, recvTimeoutMs: 10_000 });
    assert.equal(r.code, 0, r.summary);
  } finally {
    dgrams = await cap.stop();
  }
  const h = await engine.finished(number);
  assert.equal(h.error, undefined, String(h.error));
  assert.equal(uas.calls.length, calls + 1, 'the relay called the host once');
  return { relayed: h.result as Relayed, host: uas.calls[calls]!, atSipp: received(dgrams, mediaPort) };
}

/** The host heard the caller's tone in the last 2 s it heard anything. */
function hostHeardCaller(host: UasCall): number {
  const x = host.heardTail(2000);
  assert.ok(x.length >= 8000, `the host heard ${x.length / 8} ms`);
  return over(x, CALLER_TONE);
}

describe('relay bridge on the wire', () => {
  test('both far ends take the re-INVITE: the media flows between them directly, not through the relay', { timeout: 60_000 }, async () => {
    uas.acceptReinvite = true;
    const { relayed, host, atSipp } = await run('direct', 'uac-pcap-accept-reinvite.xml', 17364, 17370);
    assert.equal(relayed.direct, true, `bridged directly (${relayed.refused ?? ''})`);
    // The host's packets reached sipp from the host's own port, and the host now sends to sipp's address.
    const hostRtp = `127.0.0.1:${host.answerSdp.match(/^m=audio (\d+)/m)![1]}`;
    console.log(`# at sipp's media port, RTP from: ${[...atSipp.sources].map(([s, n]) => `${s} ×${n}`).join(', ')} (the host is ${hostRtp})`);
    assert.ok((atSipp.sources.get(hostRtp) ?? 0) >= 100, 'sipp got the host\'s packets straight from the host');
    const fromHost = over(atSipp.pcm(hostRtp), HOST_TONE);
    assert.ok(fromHost > 30, `sipp hears the host's ${HOST_TONE} Hz ${fromHost.toFixed(1)} dB over the floor`);
    assert.equal(host.sendingTo?.port, 17370, 'the host sends to sipp\'s media port');
    // sipp's packets reached the host from sipp itself.
    const late = host.arrivals.slice(-50);
    console.log(`# the host's last packets came from ${[...new Set(late.map((a) => a.from))].join(', ')}`);
    assert.ok(late.length >= 50 && late.every((a) => a.from.endsWith(':17370')), 'the host\'s last packets came from sipp\'s media port');
    const heard = hostHeardCaller(host);
    console.log(`# direct: the host hears sipp's ${CALLER_TONE} Hz ${heard.toFixed(1)} dB, sipp hears the host's ${HOST_TONE} Hz ${fromHost.toFixed(1)} dB over the floor`);
    assert.ok(heard > 30, `the host hears sipp's ${CALLER_TONE} Hz`);
  });

  test('the caller refuses the re-INVITE: the host is pointed back at the relay, which passes the packets on', { timeout: 60_000 }, async () => {
    uas.acceptReinvite = true;
    const { relayed, host, atSipp } = await run('refused', 'uac-pcap-refuse-reinvite.xml', 17366, 17374);
    assert.equal(relayed.direct, false);
    assert.match(relayed.refused ?? '', /488/, 'the direct bridge was refused with the caller\'s 488');
    const back = host.sendingTo;
    assert.ok(back && back.port >= 42800 && back.port <= 42839, `the host sends to the relay again, not to sipp (${back?.address}:${back?.port})`);
    const sources = [...atSipp.sources.keys()];
    console.log(`# at sipp's media port, RTP from: ${[...atSipp.sources].map(([s, n]) => `${s} ×${n}`).join(', ')}`);
    const relayRtp = sources.find((s) => Number(s.split(':')[1]) >= 42800 && Number(s.split(':')[1]) <= 42839);
    assert.ok(relayRtp && atSipp.sources.get(relayRtp)! >= 100, 'sipp got its audio from the relay');
    const fromHost = over(atSipp.pcm(relayRtp), HOST_TONE);
    const heard = hostHeardCaller(host);
    console.log(`# caller refused: the host hears sipp's ${CALLER_TONE} Hz ${heard.toFixed(1)} dB, sipp hears the host's ${HOST_TONE} Hz ${fromHost.toFixed(1)} dB over the floor`);
    assert.ok(fromHost > 30, `sipp hears the host's ${HOST_TONE} Hz through the relay`);
    assert.ok(heard > 30, `the host hears sipp's ${CALLER_TONE} Hz through the relay`);
    // (sipp itself takes the address of the re-INVITE it refused and sends there: the host's
    // arrivals come from sipp, so which way the caller's audio went is shown by the next test.)
  });

  test('the host refuses the re-INVITE: nothing moves, the relay passes the packets on', { timeout: 60_000 }, async () => {
    uas.acceptReinvite = false;
    const { relayed, host, atSipp } = await run('host-refused', 'uac-pcap.xml', 17368, 17378);
    assert.equal(relayed.direct, false);
    assert.match(relayed.refused ?? '', /488/);
    const relayRtp = [...atSipp.sources.keys()].find((s) => Number(s.split(':')[1]) >= 42800 && Number(s.split(':')[1]) <= 42839);
    assert.ok(relayRtp, 'sipp got its audio from the relay');
    const fromHost = over(atSipp.pcm(relayRtp), HOST_TONE);
    const heard = hostHeardCaller(host);
    console.log(`# host refused: the host hears sipp's ${CALLER_TONE} Hz ${heard.toFixed(1)} dB, sipp hears the host's ${HOST_TONE} Hz ${fromHost.toFixed(1)} dB over the floor`);
    assert.ok(fromHost > 30 && heard > 30);
  });
});
