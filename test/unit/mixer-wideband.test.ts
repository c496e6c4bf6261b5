// The mixer's wideband path: the 4–8 kHz band mixed among wideband members
// only, beside the unchanged 0–4 kHz mix that narrowband members share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConferenceMixer } from '../../bridge/mixer/conference-mixer.ts';
import { PCMU } from '../../bridge/rtp/g711.ts';
import { ToneSource, sineAmplitude } from '../../bridge/rtp/tones.ts';
import { FRAME_SAMPLES } from '../../bridge/rtp/frame-source.ts';

/** Amplitude of the component at `freq` in 8 kHz samples (Goertzel over the whole block). */
function amplitudeAt(x: Int16Array, freq: number): number {
  const w = (2 * Math.PI * freq) / 8000, k = 2 * Math.cos(w);
  let s1 = 0, s2 = 0;
  for (const v of x) { const s0 = v + k * s1 - s2; s2 = s1; s1 = s0; }
  return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - k * s1 * s2))) / x.length;
}
const AMP = sineAmplitude(-20);
const hears = (pcm: Int16Array, hz: number): boolean => amplitudeAt(pcm, hz) > AMP * 0.8 && amplitudeAt(pcm, hz) < AMP * 1.2;
const absent = (pcm: Int16Array, hz: number): boolean => amplitudeAt(pcm, hz) < AMP / 30;

interface Talker { low: ToneSource | null; high: ToneSource | null; lowBuf: Int16Array; highBuf: Int16Array }
const talker = (lowHz: number | null, highHz: number | null): Talker => ({
  low: lowHz === null ? null : new ToneSource({ frequencies: [lowHz], levelDbfs: -20 }),
  high: highHz === null ? null : new ToneSource({ frequencies: [highHz], levelDbfs: -20 }),
  lowBuf: new Int16Array(FRAME_SAMPLES), highBuf: new Int16Array(FRAME_SAMPLES),
});

/** Pushes every talker's frames, ticks, and collects what each member heard (low band decoded or PCM, high band PCM). */
function run(mixer: ConferenceMixer, talkers: Map<string, Talker>, ticks: number, from: number) {
  const n = (ticks - from) * FRAME_SAMPLES;
  const low = new Map<string, Int16Array>();
  const high = new Map<string, Int16Array>();
  for (const m of mixer.members) { low.set(m.id, new Int16Array(n)); high.set(m.id, new Int16Array(n)); }
  for (let t = 0; t < ticks; t++) {
    for (const [id, tk] of talkers) {
      const l = tk.low ? tk.low.next(tk.lowBuf) : null;
      const h = tk.high ? tk.high.next(tk.highBuf) : null;
      mixer.setInput(id, l, h);
    }
    mixer.tick();
    if (t < from) continue;
    const at = (t - from) * FRAME_SAMPLES;
    for (const m of mixer.members) {
      if (m.wideband) {
        assert.equal(m.outputKind, 'bands');
        low.get(m.id)!.set(m.outputLow.subarray(0, FRAME_SAMPLES), at);
        high.get(m.id)!.set(m.outputHigh.subarray(0, FRAME_SAMPLES), at);
      } else {
        m.codec.decode(m.output, low.get(m.id)!.subarray(at, at + FRAME_SAMPLES));
      }
    }
  }
  return { low, high };
}

test('wideband members hear each other\'s high band; narrowband members hear the low bands and cost nothing more', () => {
  const mixer = new ConferenceMixer({ maxTalkers: 4 });
  mixer.addMember('w1', { codec: PCMU, wideband: true, announce: false });
  mixer.addMember('w2', { codec: PCMU, wideband: true, announce: false });
  mixer.addMember('n', { codec: PCMU, announce: false });
  mixer.addMember('listener', { codec: PCMU, wideband: true, announce: false });
  mixer.addMember('listener2', { codec: PCMU, wideband: true, announce: false });
  assert.equal(mixer.widebandMembers, 4);
  const talkers = new Map<string, Talker>([
    ['w1', talker(500, 1000)], ['w2', talker(700, 1500)], ['n', talker(900, null)], ['listener', talker(null, null)], ['listener2', talker(null, null)],
  ]);
  const { low, high } = run(mixer, talkers, 60, 20);
  // The narrowband member: both wideband talkers' low bands, not itself.
  assert.ok(hears(low.get('n')!, 500) && hears(low.get('n')!, 700), 'n hears the wideband talkers\' low bands');
  assert.ok(absent(low.get('n')!, 900), 'n does not hear itself');
  // w1: the others' low bands, w2's high band, not its own.
  assert.ok(hears(low.get('w1')!, 700) && hears(low.get('w1')!, 900) && absent(low.get('w1')!, 500));
  assert.ok(hears(high.get('w1')!, 1500), 'w1 hears w2\'s high band');
  assert.ok(absent(high.get('w1')!, 1000), 'w1 does not hear its own high band');
  assert.ok(hears(high.get('w2')!, 1000) && absent(high.get('w2')!, 1500));
  // A silent wideband listener gets the shared bands: everything.
  assert.ok(hears(low.get('listener')!, 500) && hears(low.get('listener')!, 900));
  assert.ok(hears(high.get('listener')!, 1000) && hears(high.get('listener')!, 1500));
  const member = (id: string) => mixer.members.find((m) => m.id === id)!;
  assert.equal(member('listener').outputHigh, member('listener2').outputHigh, 'plain listeners share one high-band frame');
  assert.notEqual(member('w1').outputHigh, member('w2').outputHigh, 'each talker has its own mix-minus');
});

test('no wideband work without a wideband member; a muted or deaf wideband member behaves like any member', () => {
  const mixer = new ConferenceMixer({ maxTalkers: 4 });
  mixer.addMember('n1', { codec: PCMU, announce: false });
  mixer.addMember('n2', { codec: PCMU, announce: false });
  assert.equal(mixer.widebandMembers, 0);
  mixer.addMember('w', { codec: PCMU, wideband: true, announce: false, muted: true });
  mixer.addMember('deaf', { codec: PCMU, wideband: true, announce: false, deaf: true });
  const talkers = new Map<string, Talker>([['n1', talker(500, null)], ['n2', talker(null, null)], ['w', talker(700, 1000)], ['deaf', talker(null, null)]]);
  const { low, high } = run(mixer, talkers, 50, 20);
  assert.ok(absent(low.get('n2')!, 700), 'a muted wideband member is not mixed');
  assert.ok(absent(high.get('deaf')!, 1000) && absent(low.get('deaf')!, 500), 'a deaf wideband member hears nothing');
  assert.ok(hears(low.get('w')!, 500) && absent(high.get('w')!, 1000), 'the muted member hears the room, no high band from itself');
  mixer.removeMember('w');
  mixer.removeMember('deaf');
  assert.equal(mixer.widebandMembers, 0);
  mixer.update('n2', { wideband: true });
  assert.equal(mixer.widebandMembers, 1);
});

test('setInput refuses a short high-band frame', () => {
  const mixer = new ConferenceMixer();
  mixer.addMember('w', { codec: PCMU, wideband: true });
  assert.throws(() => mixer.setInput('w', new Int16Array(FRAME_SAMPLES), new Int16Array(10)), RangeError);
});
