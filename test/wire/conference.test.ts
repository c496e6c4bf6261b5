// A conference on the wire: three baresip softphones, each sending its own
// tone (440, 770, 1250 Hz), dial into one room of the embedded engine (two
// media workers). What each phone decoded must hold the other two tones and
// not its own; after one is muted, the others stop hearing it. Talking events
// reach the port. Twice: a conference in one worker (members' media move to
// it), and one spread over both workers (spreadAt 1: two shards that pass
// their talkers to each other through shared memory).
// Ports: engines SIP 15800 and 15801, RTP 41000–41199 and 41200–41399; phones
// SIP 15810/15820/15830 (TLS +1), ctrl +2, RTP 15840–15869.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConferenceMember } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { Baresip } from '../support/baresip.ts';
import { goertzelPower, readSamples, slice } from '../support/audio-check.ts';
import { waitUntil } from '../support/ports.ts';
import { TestEngine } from '../support/media-engine.ts';

const SIP_PORT = 15800;
const TONES = [440, 770, 1250];
const engines = {
  'one worker': new TestEngine({ sipPort: SIP_PORT, rtpMin: 41000, rtpMax: 41199, workers: 2 }),
  'spread over two workers': new TestEngine({ sipPort: SIP_PORT + 1, rtpMin: 41200, rtpMax: 41399, workers: 2, spreadAt: 1 }),
};
const work = mkdtempSync(join(tmpdir(), 'conference-'));

before(async () => { for (const e of Object.values(engines)) await e.start(); });
after(async () => {
  for (const e of Object.values(engines)) await e.close();
  rmSync(work, { recursive: true, force: true });
});

const db = (x: number) => 10 * Math.log10(Math.max(x, 1e-12));

for (const [mode, engine] of Object.entries(engines)) {
test(`three phones in one room (${mode}): each hears the others and not itself; a muted one is not heard`, { timeout: 90_000 }, async () => {
  const sipPort = engine === engines['one worker'] ? SIP_PORT : SIP_PORT + 1;
  const conference = engine.engine.createConference('room-1');
  const members = new Map<string, ConferenceMember>();
  const talking: string[] = [];
  conference.on('talking', (m, on) => { if (on) talking.push(m.leg.from); });
  let release!: () => void;
  const done = new Promise<void>((r) => { release = r; });
  engine.handle('room', async (leg) => {
    const m = await conference.join(leg);
    members.set(leg.from, m);
    await done;
    await leg.hangup(Q850.NORMAL_CLEARING);
  });

  const phones: Baresip[] = [];
  const established: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const tone = join(work, `tone-${i}-${sipPort}.wav`);
      execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', tone, 'synth', '40', 'sine', String(TONES[i]), 'vol', '0.25'], { timeout: 10_000 });
      const base = 15810 + 10 * i;
      phones.push(await Baresip.start({
        dir: join(work, `phone-${i}-${sipPort}`), user: `phone${i}`, sipPort: base, ctrlPort: base + 2, rtpPorts: `${15840 + 10 * i}-${15849 + 10 * i}`, source: tone, lifetimeS: 60,
      }));
    }
    for (const [i, p] of phones.entries()) {
      const r = await p.ctrl.command('dial', `sip:room@127.0.0.1:${sipPort}`);
      assert.equal(r.ok, true);
      await p.ctrl.waitEvent('CALL_ESTABLISHED', 10_000);
      established[i] = Date.now();
    }
    await waitUntil(() => members.size === 3, 10_000, 'three members');
    const perWorker = (await engine.media.stats()).map((w) => w.members);
    console.log(`# ${mode}: members per media worker ${perWorker.join(' / ')}`);
    if (mode === 'one worker') assert.deepEqual([...perWorker].sort(), [0, 3]);
    else assert.ok(perWorker.every((n) => n >= 1), 'both workers hold members of the conference');
    const t1 = Date.now();
    await new Promise((r) => setTimeout(r, 3000)); // three seconds of everyone talking
    await members.get('phone1')!.update({ muted: true });
    const t2 = Date.now();
    await new Promise((r) => setTimeout(r, 3000)); // three seconds with phone1 muted
    const t3 = Date.now();
    release();
    for (const p of phones) await p.ctrl.waitEvent('CALL_CLOSED', 10_000);

    for (const [i, p] of phones.entries()) {
      const rec = p.decodedRecordings();
      assert.equal(rec.length, 1, `phone${i} recordings`);
      const heard = readSamples(rec[0]!);
      const at = (t: number) => t - established[i]!;
      const all = slice(heard, at(t1) + 500, at(t2) - 200);
      const muted = slice(heard, at(t2) + 500, at(t3) - 200);
      assert.ok(all.length > 8000 && muted.length > 8000, `phone${i}: windows of ${all.length / 8} and ${muted.length / 8} ms`);
      const p1 = TONES.map((f) => db(goertzelPower(all, f)));
      const p2 = TONES.map((f) => db(goertzelPower(muted, f)));
      console.log(`# phone${i} (${TONES[i]} Hz) hears, all talking: ${p1.map((x) => x.toFixed(0)).join(' / ')} dB; phone1 muted: ${p2.map((x) => x.toFixed(0)).join(' / ')} dB`);
      const others = TONES.map((_, j) => j).filter((j) => j !== i);
      for (const j of others) assert.ok(p1[j]! - p1[i]! > 30, `phone${i} hears phone${j} at least 30 dB above its own tone`);
      for (const j of others) {
        if (j === 1) assert.ok(p1[j]! - p2[j]! > 30, `phone${i} no longer hears muted phone1`);
        else assert.ok(Math.abs(p1[j]! - p2[j]!) < 6, `phone${i} still hears phone${j}`);
      }
    }
    for (const name of ['phone0', 'phone1', 'phone2']) assert.ok(talking.includes(name), `talking event for ${name}`);
  } finally {
    release();
    for (const p of phones) await p.quit();
  }
});
}
