// G.722 on the wire (#17): two baresip phones that offer only G.722 and one
// that offers only G.711 meet in one room through the IVR. The wideband
// phones send 16 kHz audio with a tone above 4 kHz; what each phone decoded
// is checked by Goertzel power: everyone hears the others' voices, the G.722
// phones also hear each other's 4–8 kHz band, nobody hears itself.
// Ports: engine SIP 17380, RTP 39800–39899; phones SIP 17383/17386/17389 (+1 TLS, +2 ctrl), RTP 39900–39929.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../../core/seed.ts';
import { readWav, writeWav } from '../../bridge/rtp/wav.ts';
import { goertzelPower, slice } from '../support/audio-check.ts';
import { Baresip } from '../support/baresip.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 17380;
const ROOM = DEMO.room.number;
const work = mkdtempSync(join(tmpdir(), 'wideband-'));
let bridge: IvrBridge;
const phones: Baresip[] = [];

before(async () => { bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 39800, rtpMax: 39899, workers: 2 }); });
after(async () => {
  await Promise.allSettled(phones.map((p) => p.quit()));
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
});

/** A mono 16-bit WAV of the sum of sines (each at -20 dBFS) at `rate`, `seconds` long. */
function toneWav(name: string, rate: number, hz: readonly number[], seconds = 60): string {
  const n = rate * seconds;
  const samples = new Int16Array(n);
  const amp = 32767 * 10 ** (-20 / 20);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of hz) v += amp * Math.sin((2 * Math.PI * f * i) / rate);
    samples[i] = Math.round(v);
  }
  const path = join(work, `${name}.wav`);
  writeFileSync(path, writeWav({ samples, sampleRate: rate }));
  return path;
}

interface Caller { name: string; sip: Baresip; establishedAt: number }

async function caller(name: string, slot: number, codecs: string, source: string): Promise<Caller> {
  const sipPort = 17383 + 3 * slot;
  const sip = await Baresip.start({
    dir: join(work, name), user: name, sipPort, ctrlPort: sipPort + 2, rtpPorts: `${39900 + 10 * slot}-${39909 + 10 * slot}`,
    source, codecs, lifetimeS: 90,
  });
  phones.push(sip);
  const r = await sip.ctrl.command('dial', `sip:4008001000@${bridge.engine.sipAddress}`);
  if (!r.ok) throw new Error(`${name}: dial refused`);
  try {
    await sip.ctrl.waitEvent('CALL_ESTABLISHED', 15_000);
  } catch (err) {
    const info = await sip.quit();
    throw new Error(`${name}: ${(err as Error).message}; baresip said: ${info.output.slice(-1500)}`);
  }
  const establishedAt = Date.now();
  await sip.ctrl.dtmf(`${ROOM}#${DEMO.room.guestPin}#`, 250);
  await waitUntil(() => bridge.ivr.rooms.byNumber(ROOM)?.list().some((v) => v.from === name && v.away === null) ?? false, 20_000, `${name} in the room`);
  return { name, sip, establishedAt };
}

/** What a phone decoded in [from, to] (epoch ms), at its recording's rate. */
function heard(c: Caller, from: number, to: number): { x: Int16Array; rate: number } {
  const recs = c.sip.decodedRecordings();
  assert.ok(recs.length > 0, `${c.name}: no recording`);
  const wav = readWav(readFileSync(recs[recs.length - 1]!), { anyRate: true });
  const x = slice(wav.samples, from - c.establishedAt, to - c.establishedAt, wav.sampleRate);
  assert.ok(x.length >= wav.sampleRate, `${c.name}: only ${x.length} samples in the window`);
  return { x, rate: wav.sampleRate };
}

/** Power of `hz` relative to a full-scale sine, dB (a −20 dBFS tone ≈ −26 dB after the normalisation). */
function levelDb(h: { x: Int16Array; rate: number }, hz: number): number {
  const n = h.x.length;
  return 10 * Math.log10(Math.max(goertzelPower(h.x, hz, h.rate) / (n * n * 32768 * 32768), 1e-15));
}

test('G.722 phones and a G.711 phone in one room: all hear each other; only the G.722 phones hear the 4–8 kHz band', { timeout: 150_000 }, async () => {
  const wideA = await caller('widea', 0, 'G722/16000/1', toneWav('widea', 16000, [600, 6000]));
  const wideB = await caller('wideb', 1, 'G722/16000/1', toneWav('wideb', 16000, [900]));
  const narrow = await caller('narrow', 2, 'PCMU', toneWav('narrow', 8000, [440]));
  // After the last join's announcements (tones, the recorded name played to the room), the room's audio flows.
  const from = Date.now() + 3000;
  await new Promise((r) => setTimeout(r, 7000)); // not a synchronisation: the window to measure
  const to = Date.now() - 300;

  const a = heard(wideA, from, to);
  const b = heard(wideB, from, to);
  const n = heard(narrow, from, to);
  assert.equal(a.rate, 16000, 'the G.722 phone decodes 16 kHz (G.722 was negotiated)');
  assert.equal(n.rate, 8000, 'the G.711 phone decodes 8 kHz');
  const report = (name: string, h: { x: Int16Array; rate: number }, tones: number[]) =>
    console.log(`# ${name}: ${tones.map((hz) => `${hz} Hz ${levelDb(h, hz).toFixed(1)} dB`).join(', ')}`);
  report('widea heard', a, [440, 600, 900, 6000]);
  report('wideb heard', b, [440, 600, 900, 6000]);
  report('narrow heard', n, [440, 600, 900]);

  const HEARD = -40; // a −20 dBFS tone after two codecs measures ≈ −26 dB; silence is below −70
  const NOT = -55;
  // The G.711 caller hears both wideband voices (their 0–4 kHz band), not itself.
  assert.ok(levelDb(n, 600) > HEARD && levelDb(n, 900) > HEARD, 'narrow hears widea and wideb');
  assert.ok(levelDb(n, 440) < NOT, 'narrow does not hear itself');
  // wideb hears widea's 6 kHz tone: the G.722 leg carries energy above 4 kHz.
  assert.ok(levelDb(b, 6000) > HEARD, `wideb hears widea's 6 kHz (${levelDb(b, 6000).toFixed(1)} dB)`);
  assert.ok(levelDb(b, 600) > HEARD && levelDb(b, 440) > HEARD, 'wideb hears widea and narrow');
  assert.ok(levelDb(b, 900) < NOT, 'wideb does not hear itself');
  // widea hears the others, not its own 600 Hz nor its own 6 kHz.
  assert.ok(levelDb(a, 900) > HEARD && levelDb(a, 440) > HEARD, 'widea hears wideb and narrow');
  assert.ok(levelDb(a, 600) < NOT && levelDb(a, 6000) < NOT, 'widea does not hear itself in either band');

  for (const c of [wideA, wideB, narrow]) await c.sip.ctrl.command('hangup');
});
