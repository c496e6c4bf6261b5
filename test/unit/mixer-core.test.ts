import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConferenceMixer, type ConferenceMixerOptions } from '../../bridge/mixer/conference-mixer.ts';
import type { PlaybackEnd } from '../../bridge/mixer/playback.ts';
import type { MixerMember } from '../../bridge/mixer/mixer-member.ts';
import { PCMA, PCMU } from '../../bridge/rtp/g711.ts';
import { ToneSource, sineAmplitude } from '../../bridge/rtp/tones.ts';
import { FRAME_SAMPLES, PcmSource, SilenceSource, type FrameSource } from '../../bridge/rtp/frame-source.ts';
import { InvalidStateError } from '../../common/errors.ts';

// ---------------------------------------------------------------- helpers

/** Amplitude of the component at `freq` (Goertzel over the whole block). */
function amplitudeAt(x: Int16Array, freq: number): number {
  const w = (2 * Math.PI * freq) / 8000, k = 2 * Math.cos(w);
  let s1 = 0, s2 = 0;
  for (const v of x) { const s0 = v + k * s1 - s2; s2 = s1; s1 = s0; }
  return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - k * s1 * s2))) / x.length;
}
const db = (a: number, b: number): number => 20 * Math.log10(Math.max(a, 1e-9) / Math.max(b, 1e-9));

const tone = (hz: number, levelDbfs = -20): FrameSource => new ToneSource({ frequencies: [hz], levelDbfs });

/** Runs `ticks` ticks; returns each member's decoded output over the ticks from `from` on. */
function run(mixer: ConferenceMixer, ticks: number, from = 0): Map<string, Int16Array> {
  const heard = new Map<string, Int16Array>();
  const n = ticks - from;
  for (let t = 0; t < ticks; t++) {
    mixer.tick();
    if (t < from) continue;
    for (const m of mixer.members) {
      let buf = heard.get(m.id);
      if (!buf) heard.set(m.id, (buf = new Int16Array(n * FRAME_SAMPLES)));
      m.codec.decode(m.output, buf.subarray((t - from) * FRAME_SAMPLES, (t - from + 1) * FRAME_SAMPLES));
    }
  }
  return heard;
}

/** A mixer with one member per tone (alternating PCMU/PCMA). */
function toneConference(freqs: readonly number[], opts: ConferenceMixerOptions = {}): ConferenceMixer {
  const mixer = new ConferenceMixer({ maxTalkers: freqs.length, ...opts });
  freqs.forEach((hz, i) => mixer.addMember(`m${hz}`, { codec: i % 2 ? PCMA : PCMU, input: tone(hz) }));
  return mixer;
}

const TONE_AMP = sineAmplitude(-20);
const FIVE = [400, 700, 1000, 1300, 1900] as const;

function assertHears(pcm: Int16Array, hz: number, what: string): void {
  const a = amplitudeAt(pcm, hz);
  assert.ok(a > TONE_AMP * 0.8 && a < TONE_AMP * 1.2, `${what}: ${hz} Hz at ${a.toFixed(0)}, expected ≈ ${TONE_AMP.toFixed(0)}`);
}
function assertAbsent(pcm: Int16Array, hz: number, what: string): void {
  const a = amplitudeAt(pcm, hz);
  assert.ok(db(TONE_AMP, a) >= 30, `${what}: ${hz} Hz only ${db(TONE_AMP, a).toFixed(1)} dB below a present tone`);
}

// ---------------------------------------------------------------- mix-minus

test('mix-minus: 5 members with distinct tones each hear the 4 others and not themselves (PCMU and PCMA)', () => {
  const mixer = toneConference(FIVE);
  const heard = run(mixer, 60, 10);
  for (const hz of FIVE) {
    const pcm = heard.get(`m${hz}`)!;
    for (const other of FIVE) {
      if (other === hz) assertAbsent(pcm, other, `m${hz} own voice`);
      else assertHears(pcm, other, `m${hz}`);
    }
    // Own tone at least 30 dB below every other tone it hears.
    const own = amplitudeAt(pcm, hz);
    for (const other of FIVE.filter((f) => f !== hz)) assert.ok(db(amplitudeAt(pcm, other), own) >= 30);
  }
  const r = mixer.tick();
  assert.equal(r.talkers.length, 5);
  for (const m of mixer.members) assert.equal(m.outputKind, 'private');
});

test('PCMU and PCMA members get frames encoded with their own codec, byte for byte', () => {
  const frames = [400, 1000, 1900].map((hz) => tone(hz).next()!);
  const mixer = new ConferenceMixer({ startFrames: 1 });
  mixer.addMember('u-talker', { codec: PCMU });
  mixer.addMember('a-talker', { codec: PCMA });
  mixer.addMember('u-listener', { codec: PCMU });
  mixer.addMember('a-listener', { codec: PCMA });
  mixer.setInput('u-talker', frames[0]!);
  mixer.setInput('a-talker', frames[1]!);
  mixer.setInput('u-listener', new Int16Array(FRAME_SAMPLES));
  mixer.setInput('a-listener', new Int16Array(FRAME_SAMPLES));
  mixer.tick();
  const sum = new Int16Array(FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i++) sum[i] = frames[0]![i]! + frames[1]![i]!;
  const byId = (id: string): MixerMember => mixer.member(id)!;
  assert.deepEqual(byId('u-listener').output, PCMU.encode(sum));
  assert.deepEqual(byId('a-listener').output, PCMA.encode(sum));
  assert.deepEqual(byId('u-talker').output, PCMU.encode(frames[1]!)); // hears only the other talker
  assert.deepEqual(byId('a-talker').output, PCMA.encode(frames[0]!));
  assert.notDeepEqual(PCMU.encode(sum), PCMA.encode(sum)); // the check above can tell the codecs apart
});

// ---------------------------------------------------------------- mute, deaf

test('a muted member is absent from everyone\'s output (and still reported talking, flagged muted)', () => {
  const mixer = toneConference(FIVE);
  mixer.update('m1300', { muted: true });
  const starts: Array<{ id: string; muted: boolean }> = [];
  let heard = new Map<string, Int16Array>();
  for (let t = 0; t < 60; t++) {
    const r = mixer.tick();
    for (const c of r.talkingChanges) if (c.talking) starts.push({ id: c.member.id, muted: c.member.muted });
    if (t === 9) heard = run(mixer, 50);
  }
  for (const hz of FIVE) {
    const pcm = heard.get(`m${hz}`)!;
    assertAbsent(pcm, 1300, `m${hz} hears the muted member`);
    if (hz !== 1300) assertAbsent(pcm, hz, `m${hz} own voice`);
  }
  // The muted member still hears the four others.
  for (const hz of [400, 700, 1000, 1900]) assertHears(heard.get('m1300')!, hz, 'muted member');
  assert.deepEqual(starts.find((s) => s.id === 'm1300'), { id: 'm1300', muted: true });
  assert.equal(mixer.member('m1300')!.talking, true);
  assert.equal(mixer.member('m1300')!.mixed, false);
  // Unmuted, it is heard again.
  mixer.update('m1300', { muted: false });
  assertHears(run(mixer, 50, 5).get('m400')!, 1300, 'after unmute');
});

test('detectWhenMuted: false — a muted member is not measured and its talking stops', () => {
  const mixer = toneConference([400, 700], { detectWhenMuted: false });
  run(mixer, 5);
  assert.equal(mixer.member('m700')!.talking, true);
  mixer.update('m700', { muted: true });
  const r = mixer.tick();
  assert.deepEqual(r.talkingChanges.map((c) => [c.member.id, c.talking]), [['m700', false]]);
  for (let t = 0; t < 10; t++) assert.equal(mixer.tick().talkingChanges.length, 0);
});

test('deaf members get the silence frame with no mixing work, and are still heard', () => {
  const mixer = toneConference(FIVE);
  mixer.update('m700', { deaf: true });
  mixer.addMember('deaf-listener', { codec: PCMA, deaf: true });
  const heard = run(mixer, 40, 10);
  for (const id of ['m700', 'deaf-listener']) {
    const m = mixer.member(id)!;
    assert.equal(m.outputKind, 'silence');
    assert.equal(m.output, ConferenceMixer.silenceFor(m.codec));
    assert.ok(heard.get(id)!.every((v) => Math.abs(v) <= 8), `${id} hears only silence`);
  }
  assertHears(heard.get('m400')!, 700, 'the deaf talker is heard');
  // 4 hearing talkers encode privately; the deaf talker costs no encode.
  assert.equal(mixer.tick().encodes, 4);
});

// ---------------------------------------------------------------- saturation

test('saturation: in-phase loud talkers clamp at full scale instead of wrapping', () => {
  const loud = new ToneSource({ frequencies: [500], levelDbfs: -1 }); // peak ≈ 29200
  const frame = loud.next()!;
  const neg = frame.map((v) => -v);
  const mixer = new ConferenceMixer({ startFrames: 1 });
  mixer.addMember('a', { codec: PCMU });
  mixer.addMember('b', { codec: PCMU });
  mixer.addMember('c', { codec: PCMA });
  mixer.addMember('listener', { codec: PCMU });
  const taps: Int16Array[] = [];
  const tapMixer = new ConferenceMixer({ startFrames: 1, onMixFrame: (pcm) => taps.push(pcm.slice()) });
  for (const id of ['a', 'b', 'c', 'listener']) tapMixer.addMember(id, { codec: id === 'c' ? PCMA : PCMU });
  for (const mx of [mixer, tapMixer]) {
    mx.setInput('a', frame);
    mx.setInput('b', frame);
    mx.setInput('c', null);
    mx.tick();
  }
  const tap = taps[0]!;
  let clipped = 0;
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    const sum = 2 * frame[i]!;
    const expected = Math.max(-32768, Math.min(32767, sum));
    assert.equal(tap[i], expected, `sample ${i}`);
    if (expected !== sum) clipped++;
  }
  assert.ok(clipped > 20, `the test clips (${clipped} samples)`);
  // The listener's decoded output has the sign of the sum everywhere it is not tiny.
  const decoded = PCMU.decode(mixer.member('listener')!.output);
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    const sum = 2 * frame[i]!;
    if (Math.abs(sum) > 1000) assert.equal(Math.sign(decoded[i]!), Math.sign(sum), `sample ${i}`);
    if (Math.abs(sum) > 32767) assert.ok(Math.abs(decoded[i]!) >= 31000, `sample ${i} at full scale`);
  }
  // Negative direction: −2 × peak clamps at −32768.
  tapMixer.setInput('a', neg);
  tapMixer.setInput('b', neg);
  tapMixer.tick();
  assert.equal(Math.min(...taps[1]!), -32768);
  assert.ok(taps[1]!.every((v, i) => Math.sign(v) === Math.sign(neg[i]!) || Math.abs(neg[i]!) < 2));
});

test('mix-minus of a saturated mix: each talker still hears the others clamped, not wrapped', () => {
  const frame = new ToneSource({ frequencies: [500], levelDbfs: -1 }).next()!;
  const mixer = new ConferenceMixer({ startFrames: 1 });
  for (const id of ['a', 'b', 'c']) mixer.addMember(id, { codec: PCMU });
  for (const id of ['a', 'b', 'c']) mixer.setInput(id, frame);
  mixer.tick();
  const heardByA = PCMU.decode(mixer.member('a')!.output);
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    const expected = Math.max(-32768, Math.min(32767, 2 * frame[i]!));
    assert.ok(Math.abs(heardByA[i]! - expected) <= Math.max(16, Math.abs(expected) / 16), `sample ${i}: ${heardByA[i]} vs ${expected}`);
  }
});

// ---------------------------------------------------------------- shared frames

test('shared frames: non-talkers all get the same Uint8Array per codec; encodes = talkers + codecs in use', () => {
  const mixer = new ConferenceMixer({ maxTalkers: 4 });
  mixer.addMember('t1', { codec: PCMU, input: tone(400) });
  mixer.addMember('t2', { codec: PCMA, input: tone(1000) });
  mixer.addMember('t3', { codec: PCMU, input: tone(1900) });
  for (let i = 0; i < 20; i++) mixer.addMember(`s${i}`, { codec: i % 3 ? PCMU : PCMA, input: new SilenceSource() });
  run(mixer, 5);
  const r = mixer.tick();
  assert.deepEqual(r.talkers.map((m) => m.id).sort(), ['t1', 't2', 't3']);
  assert.equal(r.encodes, 3 + 2);
  const silent = mixer.members.filter((m) => m.id.startsWith('s'));
  const u = silent.filter((m) => m.codec === PCMU), a = silent.filter((m) => m.codec === PCMA);
  for (const m of silent) assert.equal(m.outputKind, 'shared');
  assert.ok(u.every((m) => m.output === u[0]!.output), 'one PCMU instance');
  assert.ok(a.every((m) => m.output === a[0]!.output), 'one PCMA instance');
  assert.notEqual(u[0]!.output, a[0]!.output);
  const talkers = mixer.members.filter((m) => m.id.startsWith('t'));
  assert.equal(new Set([...talkers.map((m) => m.output), u[0]!.output, a[0]!.output]).size, 5, 'talkers have their own frames');
  // One codec in use among the listeners: one shared encode.
  for (const m of a) mixer.removeMember(m.id);
  assert.equal(mixer.tick().encodes, 3 + 1);
  // Nobody talking: everyone gets the silence frame, no encode at all.
  for (const id of ['t1', 't2', 't3']) mixer.setInputSource(id, new SilenceSource());
  let last = mixer.tick();
  for (let t = 0; t < 30; t++) last = mixer.tick();
  assert.equal(last.talkers.length, 0);
  assert.equal(last.encodes, 0);
  for (const m of mixer.members) assert.equal(m.output, ConferenceMixer.silenceFor(m.codec));
});

test('a lone talker hears silence (its own voice only) without an encode', () => {
  const mixer = new ConferenceMixer();
  mixer.addMember('t', { codec: PCMU, input: tone(700) });
  mixer.addMember('l', { codec: PCMU });
  run(mixer, 5);
  const r = mixer.tick();
  assert.equal(r.talkers.length, 1);
  assert.equal(r.encodes, 1); // the listeners' shared frame
  assert.equal(mixer.member('t')!.outputKind, 'silence');
  assert.equal(mixer.member('l')!.outputKind, 'shared');
});

// ---------------------------------------------------------------- talker selection

test('talker selection is bounded and loudest first; the quietest talkers are not mixed', () => {
  const levels: Array<[number, number]> = [[400, -30], [700, -18], [1000, -26], [1300, -12], [1600, -22], [1900, -34]];
  const taps: Int16Array[] = [];
  const mixer = new ConferenceMixer({ maxTalkers: 3, onMixFrame: (pcm) => taps.push(pcm.slice()) });
  for (const [hz, dbfs] of levels) mixer.addMember(`m${hz}`, { codec: PCMU, input: tone(hz, dbfs) });
  mixer.addMember('listener', { codec: PCMU });
  run(mixer, 10);
  taps.length = 0;
  const heard = run(mixer, 30);
  const r = mixer.tick();
  assert.deepEqual(r.talkers.map((m) => m.id), ['m1300', 'm700', 'm1600']);
  const tap = new Int16Array(30 * FRAME_SAMPLES);
  taps.slice(0, 30).forEach((f, i) => tap.set(f, i * FRAME_SAMPLES));
  // Everyone is talking, only three are mixed.
  assert.equal(mixer.members.filter((m) => m.talking).length, 6);
  const pcm = heard.get('listener')!;
  // Levels are heard through the codec; absence is checked on the linear mix
  // (G.711 intermodulation of 1300/1600 Hz lands on 1900 Hz at about −40 dB).
  for (const [hz, dbfs] of levels) {
    if ([1300, 700, 1600].includes(hz)) assert.ok(Math.abs(db(amplitudeAt(pcm, hz), sineAmplitude(dbfs))) < 1, `${hz} Hz mixed at its level`);
    else assert.ok(amplitudeAt(tap, hz) < sineAmplitude(dbfs) / 100, `${hz} Hz not mixed (${amplitudeAt(tap, hz).toFixed(1)})`);
  }
});

test('a louder newcomer displaces the quietest talker; a talker that stops frees its place', () => {
  const mixer = new ConferenceMixer({ maxTalkers: 2, hangoverFrames: 5 });
  mixer.addMember('a', { codec: PCMU, input: tone(400, -20) });
  mixer.addMember('b', { codec: PCMU, input: tone(700, -25) });
  mixer.addMember('c', { codec: PCMU, input: new SilenceSource() });
  run(mixer, 10);
  assert.deepEqual(mixer.tick().talkers.map((m) => m.id), ['a', 'b']);
  mixer.setInputSource('c', tone(1000, -10));
  run(mixer, 20);
  assert.deepEqual(mixer.tick().talkers.map((m) => m.id), ['c', 'a']);
  mixer.setInputSource('a', new SilenceSource());
  run(mixer, 10); // past the hang-over
  assert.deepEqual(mixer.tick().talkers.map((m) => m.id), ['c', 'b']);
});

// ---------------------------------------------------------------- hang-over and events

test('hang-over keeps a member talking through a short pause; start and stop fire once each', () => {
  const pause = (ms: number): FrameSource => new SilenceSource(ms);
  const speech = (ms: number): FrameSource => new ToneSource({ frequencies: [500], levelDbfs: -20, durationMs: ms });
  const frames: FrameSource[] = [pause(100), speech(400), pause(200), speech(400), pause(1000)];
  let i = 0;
  const input: FrameSource = { next(out) { for (;;) { const f = frames[i]?.next(out); if (f !== undefined && f !== null) return f; if (++i >= frames.length) return null; } } };
  const mixer = new ConferenceMixer({ startFrames: 2, hangoverFrames: 20 });
  mixer.addMember('talker', { codec: PCMU, input });
  mixer.addMember('listener', { codec: PCMU });
  const events: Array<[number, boolean]> = [];
  const mixedTicks: number[] = [];
  for (let t = 1; t <= 150; t++) {
    const r = mixer.tick();
    for (const c of r.talkingChanges) { assert.equal(c.member.id, 'talker'); events.push([r.tick, c.talking]); }
    if (r.talkers.length) mixedTicks.push(r.tick);
  }
  // Speech frames are ticks 6–25 and 36–55: start on the 2nd (tick 7);
  // stop after 20 quiet frames following tick 55, i.e. at tick 76.
  assert.deepEqual(events, [[7, true], [76, false]]);
  assert.equal(mixedTicks[0], 7);
  assert.ok(mixedTicks.includes(30), 'still mixed in the pause');
  assert.equal(mixedTicks.at(-1), 75);
});

// ---------------------------------------------------------------- tones and prompts

test('join and leave tones are heard by everyone', () => {
  const mixer = new ConferenceMixer({
    joinTone: () => new ToneSource({ frequencies: [1400], levelDbfs: -20, durationMs: 400 }),
    leaveTone: () => new ToneSource({ frequencies: [600], levelDbfs: -20, durationMs: 400 }),
  });
  mixer.addMember('a', { codec: PCMU, input: tone(400) });
  mixer.addMember('b', { codec: PCMA });
  run(mixer, 30); // both join tones are over
  mixer.addMember('c', { codec: PCMU });
  let heard = run(mixer, 20);
  for (const id of ['a', 'b', 'c']) assertHears(heard.get(id)!, 1400, `${id} hears the join tone`);
  run(mixer, 10);
  mixer.addMember('quiet', { codec: PCMU, announce: false });
  heard = run(mixer, 20);
  assertAbsent(heard.get('b')!, 1400, 'no join tone for announce: false');
  mixer.removeMember('c');
  heard = run(mixer, 20);
  for (const id of ['a', 'b', 'quiet']) assertHears(heard.get(id)!, 600, `${id} hears the leave tone`);
});

test('playToAll is heard by all (talkers too, and the tap), mixed with the talk; onEnd fires once', () => {
  const taps: Int16Array[] = [];
  const mixer = new ConferenceMixer({ onMixFrame: (pcm) => taps.push(pcm.slice()) });
  mixer.addMember('t1', { codec: PCMU, input: tone(400) });
  mixer.addMember('t2', { codec: PCMA, input: tone(700) });
  mixer.addMember('l', { codec: PCMA });
  run(mixer, 10);
  const ends: PlaybackEnd[] = [];
  const p = mixer.playToAll(new ToneSource({ frequencies: [1100], levelDbfs: -20, durationMs: 600 }), (r) => ends.push(r));
  assert.equal(p.target, null);
  taps.length = 0;
  const heard = run(mixer, 30);
  assertHears(heard.get('t1')!, 1100, 't1'); assertHears(heard.get('t1')!, 700, 't1'); assertAbsent(heard.get('t1')!, 400, 't1');
  assertHears(heard.get('t2')!, 1100, 't2'); assertHears(heard.get('t2')!, 400, 't2');
  assertHears(heard.get('l')!, 1100, 'l'); assertHears(heard.get('l')!, 400, 'l'); assertHears(heard.get('l')!, 700, 'l');
  // 600 ms = 30 frames, all played; it ends on the tick that finds the source finished.
  assert.deepEqual(ends, []);
  assert.equal(p.active, true);
  mixer.tick();
  assert.deepEqual(ends, ['finished']);
  assert.equal(p.active, false);
  const tap = new Int16Array(30 * FRAME_SAMPLES);
  taps.slice(0, 30).forEach((f, i) => tap.set(f, i * FRAME_SAMPLES));
  assertHears(tap, 1100, 'tap');
  taps.length = 0;
  run(mixer, 20);
  assert.deepEqual(ends, ['finished']);
  const after = new Int16Array(20 * FRAME_SAMPLES);
  taps.forEach((f, i) => after.set(f, i * FRAME_SAMPLES));
  assertAbsent(after, 1100, 'tap after the prompt');
  assertHears(after, 400, 'tap after the prompt');
});

test('onEnd runs after the tick: it may remove members and queue the next prompt, heard from the next tick', () => {
  const mixer = new ConferenceMixer();
  mixer.addMember('t', { codec: PCMU, input: tone(400) });
  for (const id of ['a', 'b', 'c']) mixer.addMember(id, { codec: PCMA });
  run(mixer, 10);
  const log: string[] = [];
  mixer.playToAll(new ToneSource({ frequencies: [1100], levelDbfs: -20, durationMs: 100 }), (reason) => {
    log.push(`${reason}@${mixer.ticks}`);
    assert.equal(mixer.member('b')!.outputKind, 'shared', 'outputs are already assigned');
    mixer.removeMember('b');
    mixer.playToAll(new ToneSource({ frequencies: [1700], levelDbfs: -20, durationMs: 400 }), (r) => log.push(`${r}@${mixer.ticks}`));
  });
  for (let t = 0; t < 5; t++) mixer.tick(); // the 5 frames of the first prompt
  assert.deepEqual(log, []);
  mixer.tick(); // finds it finished
  assert.deepEqual(log, ['finished@16']);
  assert.deepEqual(mixer.members.map((m) => m.id).sort(), ['a', 'c', 't']);
  const heard = run(mixer, 20);
  assertHears(heard.get('a')!, 1700, 'next prompt');
  assertHears(heard.get('t')!, 1700, 'next prompt');
  mixer.tick();
  assert.deepEqual(log, ['finished@16', 'finished@37']);
});

test('playTo is heard only by its target, whose output becomes private; stop() ends it', () => {
  const mixer = new ConferenceMixer();
  mixer.addMember('t1', { codec: PCMU, input: tone(400) });
  mixer.addMember('t2', { codec: PCMU, input: tone(700) });
  for (const id of ['x', 'y', 'z']) mixer.addMember(id, { codec: PCMU });
  run(mixer, 10);
  const ends: PlaybackEnd[] = [];
  const p = mixer.playTo('y', tone(1600), (r) => ends.push(r));
  const p2 = mixer.playTo('t1', tone(1250));
  const heard = run(mixer, 30);
  assertHears(heard.get('y')!, 1600, 'target'); assertHears(heard.get('y')!, 400, 'target'); assertHears(heard.get('y')!, 700, 'target');
  for (const id of ['x', 'z', 't1', 't2']) assertAbsent(heard.get(id)!, 1600, id);
  assertHears(heard.get('t1')!, 1250, 't1 target'); assertHears(heard.get('t1')!, 700, 't1'); assertAbsent(heard.get('t1')!, 400, 't1 own');
  for (const id of ['x', 'y', 'z', 't2']) assertAbsent(heard.get(id)!, 1250, id);
  assert.equal(mixer.member('y')!.outputKind, 'private');
  assert.equal(mixer.member('x')!.outputKind, 'shared');
  assert.equal(mixer.member('x')!.output, mixer.member('z')!.output);
  assert.notEqual(mixer.member('y')!.output, mixer.member('x')!.output);
  p.stop(); p.stop();
  assert.deepEqual(ends, ['stopped']);
  p2.stop();
  mixer.tick();
  assert.equal(mixer.member('y')!.outputKind, 'shared');
  assert.equal(mixer.member('y')!.output, mixer.member('x')!.output);
});

test('playTo reaches a deaf member; removing a member ends its prompts with member-left', () => {
  const mixer = new ConferenceMixer();
  mixer.addMember('t', { codec: PCMU, input: tone(400) });
  mixer.addMember('d', { codec: PCMA, deaf: true });
  run(mixer, 10);
  mixer.playTo('d', tone(1600));
  const heard = run(mixer, 20);
  assertHears(heard.get('d')!, 1600, 'deaf target'); assertAbsent(heard.get('d')!, 400, 'deaf target hears no talk');
  const ends: PlaybackEnd[] = [];
  mixer.playTo('d', tone(1000), (r) => ends.push(r));
  assert.equal(mixer.removeMember('d'), true);
  assert.deepEqual(ends, ['member-left']);
  assert.equal(mixer.removeMember('d'), false);
  mixer.tick();
});

// ---------------------------------------------------------------- hold

test('holding members hear only the hold source (shared, pulled once per tick) and are not heard', () => {
  let pulls = 0;
  const music = new ToneSource({ frequencies: [500], levelDbfs: -20 });
  const hold: FrameSource = { next(out) { pulls++; return music.next(out); } };
  const mixer = new ConferenceMixer();
  mixer.addMember('t1', { codec: PCMU, input: tone(400) });
  mixer.addMember('t2', { codec: PCMU, input: tone(700) });
  mixer.addMember('w1', { codec: PCMU, input: tone(1300) });
  mixer.addMember('w2', { codec: PCMU, input: tone(1900) });
  mixer.addMember('w3', { codec: PCMA });
  mixer.addMember('l', { codec: PCMU });
  run(mixer, 10);
  assert.equal(mixer.member('w1')!.talking, true);
  for (const id of ['w1', 'w2', 'w3']) mixer.setHolding(id, hold);
  const r = mixer.tick();
  assert.deepEqual(r.talkingChanges.map((c) => [c.member.id, c.talking]).sort(), [['w1', false], ['w2', false]]);
  pulls = 0;
  const heard = run(mixer, 40);
  assert.equal(pulls, 40);
  for (const id of ['w1', 'w2', 'w3']) {
    assertHears(heard.get(id)!, 500, id);
    for (const hz of [400, 700, 1300, 1900]) assertAbsent(heard.get(id)!, hz, id);
    assert.equal(mixer.member(id)!.holding, true);
    assert.equal(mixer.member(id)!.outputKind, 'hold');
  }
  assert.equal(mixer.member('w1')!.output, mixer.member('w2')!.output, 'one hold frame per codec');
  for (const id of ['t1', 't2', 'l']) {
    for (const hz of [1300, 1900, 500]) assertAbsent(heard.get(id)!, hz, `${id} hears a holding member or the music`);
  }
  assertHears(heard.get('l')!, 400, 'l'); assertHears(heard.get('l')!, 700, 'l');
  assert.equal(mixer.tick().encodes, 2 + 1 + 2); // talkers + shared PCMU + hold PCMU/PCMA
  // Off hold: heard again and hears the conference.
  mixer.setHolding('w1', null);
  const after = run(mixer, 30, 10);
  assertHears(after.get('l')!, 1300, 'w1 back');
  assertHears(after.get('w1')!, 400, 'w1 hears again');
  assertAbsent(after.get('w1')!, 500, 'no more music');
});

test('a hold source that ends gives silence; a holding member hears its playTo prompt', () => {
  const mixer = new ConferenceMixer();
  mixer.addMember('t', { codec: PCMU, input: tone(400) });
  mixer.addMember('w', { codec: PCMU });
  mixer.setHolding('w', new PcmSource(new Int16Array(FRAME_SAMPLES * 3).fill(1000)));
  run(mixer, 5);
  assert.equal(mixer.member('w')!.outputKind, 'silence');
  mixer.playTo('w', tone(1600));
  const heard = run(mixer, 20);
  assertHears(heard.get('w')!, 1600, 'prompt while holding'); assertAbsent(heard.get('w')!, 400, 'no talk while holding');
});

// ---------------------------------------------------------------- recording tap

test('the recording tap gets the full mix every tick: all talkers and playToAll, nothing private', () => {
  const taps: Array<[number, Int16Array]> = [];
  const mixer = new ConferenceMixer({ onMixFrame: (pcm, t) => taps.push([t, pcm.slice()]) });
  mixer.addMember('a', { codec: PCMU, input: tone(400) });
  mixer.addMember('b', { codec: PCMA, input: tone(700) });
  mixer.addMember('c', { codec: PCMU, input: tone(1000), muted: true });
  mixer.addMember('d', { codec: PCMU, input: tone(1300) });
  mixer.setHolding('d', new SilenceSource());
  mixer.addMember('e', { codec: PCMU });
  run(mixer, 10);
  mixer.playToAll(tone(1600));
  mixer.playTo('e', tone(1900));
  taps.length = 0;
  run(mixer, 40);
  assert.deepEqual(taps.map(([t]) => t), Array.from({ length: 40 }, (_, i) => 11 + i));
  const tap = new Int16Array(40 * FRAME_SAMPLES);
  taps.forEach(([, f], i) => tap.set(f, i * FRAME_SAMPLES));
  for (const hz of [400, 700, 1600]) assertHears(tap, hz, 'tap');
  for (const hz of [1000, 1300, 1900]) assertAbsent(tap, hz, 'tap');
});

test('the tap is exactly the sum of the mixed frames (no codec in the path)', () => {
  const frames = [tone(400).next()!, tone(700).next()!];
  let tap: Int16Array | undefined;
  const mixer = new ConferenceMixer({ startFrames: 1, onMixFrame: (pcm) => { tap = pcm.slice(); } });
  mixer.addMember('a', { codec: PCMU });
  mixer.addMember('b', { codec: PCMA });
  mixer.setInput('a', frames[0]!);
  mixer.setInput('b', frames[1]!);
  mixer.tick();
  assert.deepEqual(tap, frames[0]!.map((v, i) => v + frames[1]![i]!));
});

// ---------------------------------------------------------------- gain

test('input gain changes the level heard by others (+6 dB ≈ ×2, −6 dB ≈ ×0.5)', () => {
  const mixer = new ConferenceMixer();
  mixer.addMember('up', { codec: PCMU, input: tone(400), inputGainDb: 6 });
  mixer.addMember('down', { codec: PCMU, input: tone(700) });
  mixer.addMember('flat', { codec: PCMU, input: tone(1000) });
  mixer.addMember('l', { codec: PCMA });
  mixer.update('down', { inputGainDb: -6 });
  const heard = run(mixer, 40, 10).get('l')!;
  assert.ok(Math.abs(db(amplitudeAt(heard, 400), TONE_AMP) - 6) < 0.5);
  assert.ok(Math.abs(db(amplitudeAt(heard, 700), TONE_AMP) + 6) < 0.5);
  assert.ok(Math.abs(db(amplitudeAt(heard, 1000), TONE_AMP)) < 0.5);
  assert.equal(mixer.member('up')!.inputGainDb, 6);
  // Gain counts for detection too: −20 dBFS with −30 dB gain is below the −40 dBFS threshold.
  mixer.update('flat', { inputGainDb: -30 });
  run(mixer, 40);
  assert.equal(mixer.member('flat')!.talking, false);
});

test('output gain changes what one member hears and makes its output private', () => {
  const mixer = new ConferenceMixer();
  mixer.addMember('t', { codec: PCMU, input: tone(400) });
  mixer.addMember('soft', { codec: PCMU, outputGainDb: -6 });
  mixer.addMember('normal', { codec: PCMU });
  const heard = run(mixer, 40, 10);
  assert.ok(Math.abs(db(amplitudeAt(heard.get('soft')!, 400), TONE_AMP) + 6) < 0.5);
  assertHears(heard.get('normal')!, 400, 'normal');
  assert.equal(mixer.member('soft')!.outputKind, 'private');
  assert.equal(mixer.member('normal')!.outputKind, 'shared');
});

// ---------------------------------------------------------------- API edges

test('bad calls: duplicate or unknown members, gains out of range, short frames', () => {
  const mixer = new ConferenceMixer();
  mixer.addMember('a', { codec: PCMU });
  assert.throws(() => mixer.addMember('a', { codec: PCMA }), InvalidStateError);
  assert.throws(() => mixer.update('nobody', { muted: true }), InvalidStateError);
  assert.throws(() => mixer.playTo('nobody', tone(400)), InvalidStateError);
  assert.throws(() => mixer.setHolding('nobody', null), InvalidStateError);
  assert.throws(() => mixer.update('a', { inputGainDb: 40 }), RangeError);
  assert.throws(() => mixer.update('a', { outputGainDb: Number.NaN }), RangeError);
  assert.throws(() => mixer.addMember('b', { codec: PCMU, inputGainDb: -100 }), RangeError);
  assert.equal(mixer.member('b'), undefined);
  assert.throws(() => mixer.setInput('a', new Int16Array(80)), RangeError);
  assert.throws(() => new ConferenceMixer({ maxTalkers: 0 }), RangeError);
  assert.equal(mixer.size, 1);
});

test('codec change (re-INVITE) switches the member to the other codec\'s frames', () => {
  const mixer = new ConferenceMixer();
  mixer.addMember('t', { codec: PCMU, input: tone(400) });
  mixer.addMember('l', { codec: PCMU });
  mixer.addMember('l2', { codec: PCMU });
  run(mixer, 10);
  mixer.update('l', { codec: PCMA });
  const heard = run(mixer, 20);
  assert.equal(mixer.member('l')!.codec, PCMA);
  assertHears(heard.get('l')!, 400, 'after the codec change');
  assert.notEqual(mixer.member('l')!.output, mixer.member('l2')!.output);
});

test('members leaving in any order keep the others\' outputs right (swap-remove)', () => {
  const mixer = toneConference(FIVE);
  run(mixer, 10);
  mixer.removeMember('m400');
  mixer.removeMember('m1900');
  const heard = run(mixer, 40, 5);
  assert.deepEqual(mixer.members.map((m) => m.id).sort(), ['m1000', 'm1300', 'm700']);
  for (const hz of [700, 1000, 1300]) {
    const pcm = heard.get(`m${hz}`)!;
    for (const other of [700, 1000, 1300]) (other === hz ? assertAbsent : assertHears)(pcm, other, `m${hz}`);
    assertAbsent(pcm, 400, `m${hz}`); assertAbsent(pcm, 1900, `m${hz}`);
  }
});

test('tick() on an empty conference is harmless', () => {
  const mixer = new ConferenceMixer({ joinTone: () => tone(1000) });
  const r = mixer.tick();
  assert.equal(r.tick, 1);
  assert.equal(r.talkers.length, 0);
  assert.equal(mixer.ticks, 1);
  assert.equal(r.encodes, 0);
});
