// A conference spread over several mixers (shards) that exchange their talker
// candidates through a ShardExchange, driven slot by slot exactly as a media
// worker does (WorkerConference.tick): setInput for the members,
// exchange.collect(slot), mixer.tick(), exchange.publish(slot).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConferenceMixer, MAX_SHARDS, type ConferenceMixerOptions, type TickReport } from '../../bridge/mixer/conference-mixer.ts';
import { ShardExchange, exchangeBytes } from '../../bridge/embedded/media/shard-exchange.ts';
import { PCMA, PCMU, type G711Codec } from '../../bridge/rtp/g711.ts';
import { ToneSource, sineAmplitude } from '../../bridge/rtp/tones.ts';
import { FRAME_SAMPLES } from '../../bridge/rtp/frame-source.ts';

// ---------------------------------------------------------------- helpers

/** Amplitude of the component at `freq` (Goertzel over the whole block). */
function amplitudeAt(x: Int16Array, freq: number): number {
  const w = (2 * Math.PI * freq) / 8000, k = 2 * Math.cos(w);
  let s1 = 0, s2 = 0;
  for (const v of x) { const s0 = v + k * s1 - s2; s2 = s1; s1 = s0; }
  return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - k * s1 * s2))) / x.length;
}
const db = (a: number, b: number): number => 20 * Math.log10(Math.max(a, 1e-9) / Math.max(b, 1e-9));

const A_HZ = 440;
const B_HZ = 1250;
/** Frequencies nobody sends: what a tone must stand well above. */
const OTHER_HZ = [300, 700, 1000, 1600, 1900, 2500] as const;
const TONE_AMP = sineAmplitude(-20);

interface MemberSpec {
  id: string;
  codec?: G711Codec;
  /** Tone frequency, or null for silence. */
  hz: number | null;
  levelDbfs?: number;
  inputGainDb?: number;
  /** Slot from which the tone plays (silence before); default from the start. */
  fromSlot?: number;
}

/** One shard: a mixer, its link to the exchange, its members' inputs, and what each member heard per slot. */
class Shard {
  readonly mixer: ConferenceMixer;
  readonly exchange: ShardExchange;
  private readonly tones = new Map<string, ToneSource | null>();
  private readonly specs: MemberSpec[];
  /** Decoded output per member, one frame per tick run (in order). */
  readonly heard = new Map<string, Int16Array[]>();
  /** Slot of each recorded frame. */
  readonly slots: number[] = [];
  lastReport: TickReport | undefined;

  constructor(buffer: SharedArrayBuffer, shard: number, shards: number, members: MemberSpec[], opts: ConferenceMixerOptions) {
    this.mixer = new ConferenceMixer(opts); // no joinTone / leaveTone: joinLeaveTones off
    this.exchange = new ShardExchange({ buffer, shard, shards, maxTalkers: this.mixer.maxTalkers });
    this.specs = members;
    for (const m of members) {
      this.mixer.addMember(m.id, { codec: m.codec ?? PCMU, inputGainDb: m.inputGainDb ?? 0 });
      this.tones.set(m.id, m.hz === null ? null : new ToneSource({ frequencies: [m.hz], levelDbfs: m.levelDbfs ?? -20 }));
      this.heard.set(m.id, []);
    }
  }

  /** The worker's tick for `slot`. */
  step(slot: number): TickReport {
    for (const m of this.specs) {
      const tone = this.tones.get(m.id);
      const playing = tone && slot >= (m.fromSlot ?? -Infinity);
      this.mixer.setInput(m.id, playing ? tone.next()! : new Int16Array(FRAME_SAMPLES));
    }
    this.exchange.collect(slot, this.mixer);
    const report = this.mixer.tick();
    this.exchange.publish(slot, this.mixer);
    for (const m of this.mixer.members) this.heard.get(m.id)!.push(m.codec.decode(m.output));
    this.slots.push(slot);
    this.lastReport = report;
    return report;
  }

  /** The member's decoded output over its last `frames` ticks, as one block. */
  last(id: string, frames: number): Int16Array {
    const all = this.heard.get(id)!;
    assert.ok(all.length >= frames, `${id}: only ${all.length} frames recorded`);
    const out = new Int16Array(frames * FRAME_SAMPLES);
    all.slice(all.length - frames).forEach((f, i) => out.set(f, i * FRAME_SAMPLES));
    return out;
  }

  /** First slot ≥ `from` in which the member's output frame carries `hz` (amplitude > half of `amp`), or -1. */
  firstSlotHearing(id: string, hz: number, from = -Infinity, amp = TONE_AMP): number {
    const all = this.heard.get(id)!;
    for (let i = 0; i < all.length; i++) {
      if (this.slots[i]! >= from && amplitudeAt(all[i]!, hz) > amp / 2) return this.slots[i]!;
    }
    return -1;
  }
}

/** Shards over one shared exchange buffer. */
function conference(maxTalkers: number, shards: MemberSpec[][], opts: ConferenceMixerOptions = {}): Shard[] {
  const buffer = new SharedArrayBuffer(exchangeBytes(shards.length, maxTalkers));
  return shards.map((members, i) => new Shard(buffer, i, shards.length, members, { maxTalkers, ...opts }));
}

/** Runs the slots [from, to) on every shard (in shard order, as concurrently ticking workers would). */
function runSlots(shards: readonly Shard[], from: number, to: number): void {
  assert.ok(to - from <= 1000, 'bounded run');
  for (let slot = from; slot < to; slot++) for (const s of shards) s.step(slot);
}

function assertHears(pcm: Int16Array, hz: number, what: string, amp = TONE_AMP): void {
  const a = amplitudeAt(pcm, hz);
  assert.ok(a > amp * 0.8 && a < amp * 1.2, `${what}: ${hz} Hz at ${a.toFixed(0)}, expected ≈ ${amp.toFixed(0)}`);
  for (const other of OTHER_HZ) {
    const o = amplitudeAt(pcm, other);
    assert.ok(db(a, o) >= 30, `${what}: ${hz} Hz only ${db(a, o).toFixed(1)} dB above ${other} Hz`);
  }
}
function assertAbsent(pcm: Int16Array, hz: number, what: string, amp = TONE_AMP): void {
  const a = amplitudeAt(pcm, hz);
  assert.ok(db(amp, a) >= 30, `${what}: ${hz} Hz only ${db(amp, a).toFixed(1)} dB below a present tone`);
}

// ---------------------------------------------------------------- two shards, two talkers

test('two shards: each member hears the talkers of both shards, never its own voice', () => {
  const [A, B] = conference(4, [
    [{ id: 'a1', hz: A_HZ }, { id: 'a2', hz: null, codec: PCMA }],
    [{ id: 'b1', hz: B_HZ, codec: PCMA }, { id: 'b2', hz: null }],
  ]) as [Shard, Shard];
  runSlots([A, B], 1, 51);
  const F = 30; // the last 30 ticks, well after the talk detectors settled

  const a2 = A.last('a2', F), b2 = B.last('b2', F), a1 = A.last('a1', F), b1 = B.last('b1', F);
  assertHears(a2, A_HZ, 'a2 (A, silent) hears local a1');
  assertHears(a2, B_HZ, 'a2 (A, silent) hears remote b1');
  assertHears(b2, A_HZ, 'b2 (B, silent) hears remote a1');
  assertHears(b2, B_HZ, 'b2 (B, silent) hears local b1');
  assertHears(a1, B_HZ, 'a1 hears b1');
  assertAbsent(a1, A_HZ, 'a1 own voice');
  assertHears(b1, A_HZ, 'b1 hears a1');
  assertAbsent(b1, B_HZ, 'b1 own voice');

  for (const s of [A, B]) {
    assert.equal(s.mixer.remoteTalkers, 1);
    assert.deepEqual(s.lastReport!.talkers.map((m) => m.id), [s === A ? 'a1' : 'b1']);
    assert.equal(s.exchange.missing, 0);
    assert.equal(s.exchange.torn, 0);
  }
  // The silent members share one frame per codec; the talkers' are private (mix minus own).
  assert.equal(A.mixer.member('a2')!.outputKind, 'shared');
  assert.equal(A.mixer.member('a1')!.outputKind, 'private');
  assert.equal(B.mixer.member('b1')!.outputKind, 'private');
});

test('a shard with only silent members hears the other shard\'s talker; the talker hears silence', () => {
  const [A, B] = conference(4, [
    [{ id: 'a1', hz: A_HZ }],
    [{ id: 'b1', hz: null }, { id: 'b2', hz: null, codec: PCMA }],
  ]) as [Shard, Shard];
  runSlots([A, B], 1, 41);
  assertHears(B.last('b1', 20), A_HZ, 'b1');
  assertHears(B.last('b2', 20), A_HZ, 'b2');
  assert.equal(B.mixer.remoteTalkers, 1);
  assert.equal(B.lastReport!.talkers.length, 0);
  assert.equal(A.mixer.remoteTalkers, 0);
  const a1 = A.mixer.member('a1')!;
  assert.equal(a1.outputKind, 'silence');
  assert.equal(a1.output, ConferenceMixer.silenceFor(PCMU));
});

// ---------------------------------------------------------------- competition

test('competition (maxTalkers 1): the louder talker of shard A wins in both shards; B\'s own talker is not mixed', () => {
  const LOUD = -10, QUIET = -30;
  const [A, B] = conference(1, [
    [{ id: 'a1', hz: A_HZ, levelDbfs: LOUD }, { id: 'a2', hz: null }],
    [{ id: 'b1', hz: B_HZ, levelDbfs: QUIET }, { id: 'b2', hz: null, codec: PCMA }],
  ]) as [Shard, Shard];
  runSlots([A, B], 1, 61);
  const F = 30;
  const loudAmp = sineAmplitude(LOUD), quietAmp = sineAmplitude(QUIET);

  // B: only the remote loud talker is mixed; its own (quieter) talker is not.
  assert.equal(B.mixer.remoteTalkers, 1);
  assert.equal(B.lastReport!.talkers.length, 0);
  const b1 = B.mixer.member('b1')!;
  assert.equal(b1.talking, true);
  assert.equal(b1.mixed, false);
  const b2 = B.last('b2', F);
  assertHears(b2, A_HZ, 'b2 hears the louder (remote) talker', loudAmp);
  assertAbsent(b2, B_HZ, 'b2 hears the quieter local talker', loudAmp);
  assert.ok(amplitudeAt(b2, B_HZ) < quietAmp * 0.1, 'b2: no trace of b1 at its own level');
  // b1 (not mixed) gets the shared mix: a1 only (and not itself).
  const b1Out = B.last('b1', F);
  assertHears(b1Out, A_HZ, 'b1 hears a1', loudAmp);
  assert.ok(amplitudeAt(b1Out, B_HZ) < quietAmp * 0.1, 'b1 hears itself');
  assert.equal(b1.outputKind, 'shared');

  // A: its own talker wins; the remote candidate b1 is not mixed.
  assert.equal(A.mixer.remoteTalkers, 0);
  assert.deepEqual(A.lastReport!.talkers.map((m) => m.id), ['a1']);
  const a2 = A.last('a2', F);
  assertHears(a2, A_HZ, 'a2 hears a1', loudAmp);
  assert.ok(amplitudeAt(a2, B_HZ) < quietAmp * 0.1, 'a2 hears the losing remote talker');
  // a1 is the only talker mixed anywhere: it hears nothing.
  assert.equal(A.mixer.member('a1')!.outputKind, 'silence');
});

test('competition (maxTalkers 1): the louder talker of shard B wins over A\'s quieter local one', () => {
  const [A, B] = conference(1, [
    [{ id: 'a1', hz: A_HZ, levelDbfs: -30 }, { id: 'a2', hz: null }],
    [{ id: 'b1', hz: B_HZ, levelDbfs: -10 }, { id: 'b2', hz: null }],
  ]) as [Shard, Shard];
  runSlots([A, B], 1, 61);
  assert.equal(A.mixer.remoteTalkers, 1);
  assert.equal(A.lastReport!.talkers.length, 0);
  assert.equal(A.mixer.member('a1')!.mixed, false);
  const a2 = A.last('a2', 30);
  assertHears(a2, B_HZ, 'a2 hears the louder remote talker', sineAmplitude(-10));
  assert.ok(amplitudeAt(a2, A_HZ) < sineAmplitude(-30) * 0.1, 'a2 hears the losing local talker');
  assert.equal(B.mixer.remoteTalkers, 0);
});

test('maxTalkers 2 over three shards: the two loudest of three talkers are mixed everywhere', () => {
  const shards = conference(2, [
    [{ id: 'a1', hz: 440, levelDbfs: -12 }, { id: 'a2', hz: null }],
    [{ id: 'b1', hz: 1250, levelDbfs: -30 }, { id: 'b2', hz: null }],
    [{ id: 'c1', hz: 700, levelDbfs: -18 }, { id: 'c2', hz: null }],
  ]);
  runSlots(shards, 1, 61);
  const [A, B, C] = shards as [Shard, Shard, Shard];
  for (const [s, id] of [[A, 'a2'], [B, 'b2'], [C, 'c2']] as const) {
    const pcm = s.last(id, 30);
    const a440 = amplitudeAt(pcm, 440), a700 = amplitudeAt(pcm, 700), a1250 = amplitudeAt(pcm, 1250);
    assert.ok(Math.abs(db(a440, sineAmplitude(-12))) < 1, `${id}: 440 Hz at ${db(a440, sineAmplitude(-12)).toFixed(1)} dB`);
    assert.ok(Math.abs(db(a700, sineAmplitude(-18))) < 1, `${id}: 700 Hz at ${db(a700, sineAmplitude(-18)).toFixed(1)} dB`);
    assert.ok(a1250 < sineAmplitude(-30) * 0.1, `${id}: the quietest talker is mixed`);
  }
  assert.equal(A.mixer.remoteTalkers, 1);
  assert.equal(B.mixer.remoteTalkers, 2);
  assert.equal(B.lastReport!.talkers.length, 0);
  assert.equal(C.mixer.remoteTalkers, 1);
});

// ---------------------------------------------------------------- one tick behind

test('a remote talker reaches the other shard exactly one tick after its own shard', () => {
  const START = 20;
  const [A, B] = conference(4, [
    [{ id: 'a1', hz: null }, { id: 'a2', hz: null }],
    [{ id: 'b1', hz: B_HZ, fromSlot: START }, { id: 'b2', hz: null }],
  ]) as [Shard, Shard];
  // Before: nobody talks, nobody hears anything.
  runSlots([A, B], 1, START);
  for (const s of [A, B]) for (const m of s.mixer.members) assert.equal(m.outputKind, 'silence', `${m.id} before the tone`);

  runSlots([A, B], START, START + 10);
  const local = B.firstSlotHearing('b2', B_HZ);
  const remote = A.firstSlotHearing('a2', B_HZ);
  // B's own silent member hears it once the talk detector started (startFrames 2: the second loud frame).
  assert.equal(local, START + 1, 'b2 hears the tone after the start delay');
  assert.equal(remote, local + 1, 'A hears it exactly one tick later');
  assert.equal(A.firstSlotHearing('a1', B_HZ), local + 1);
  // And never earlier than slot START + 1 in A (the slot after it started in B).
  assert.ok(remote >= START + 1);

  // What A plays at slot t is B's frame of slot t − 1: the same samples, one tick late.
  const bFrames = B.heard.get('b2')!, aFrames = A.heard.get('a2')!;
  const at = (slot: number, frames: Int16Array[], s: Shard): Int16Array => frames[s.slots.lastIndexOf(slot)]!;
  for (let slot = local; slot < START + 9; slot++) {
    assert.deepEqual(at(slot + 1, aFrames, A), at(slot, bFrames, B), `slot ${slot}: A one tick behind B`);
  }
});

test('the exchange passes slot t − 1: collecting a slot nobody published yet gives nothing (and counts it missing)', () => {
  const [A, B] = conference(4, [
    [{ id: 'a1', hz: null }],
    [{ id: 'b1', hz: B_HZ }, { id: 'b2', hz: null }],
  ]) as [Shard, Shard];
  runSlots([A, B], 1, 11);
  assert.equal(A.mixer.remoteTalkers, 1);
  // Collecting slot 13 reads slot 12, which B has not run yet: missing, no remote talkers.
  const missing = A.exchange.missing;
  A.exchange.collect(13, A.mixer);
  assert.equal(A.exchange.missing, missing + 1);
  A.mixer.tick();
  assert.equal(A.mixer.remoteTalkers, 0);
});

// ---------------------------------------------------------------- missing data

test('a shard that stops publishing is counted missing; the other goes on alone and hears it again on resume', () => {
  const [A, B] = conference(4, [
    [{ id: 'a1', hz: A_HZ }, { id: 'a2', hz: null }],
    [{ id: 'b1', hz: B_HZ }, { id: 'b2', hz: null }],
  ]) as [Shard, Shard];
  runSlots([A, B], 1, 31);
  assert.equal(A.exchange.missing, 0);
  assert.equal(A.mixer.remoteTalkers, 1);

  // B stalls for slots 31..50: only A ticks.
  const STALL = 20;
  const before = A.heard.get('a2')!.length;
  for (let slot = 31; slot < 31 + STALL; slot++) assert.doesNotThrow(() => A.step(slot));
  // Slot 31 still finds B's slot 30; each later slot misses B once.
  assert.equal(A.exchange.missing, STALL - 1);
  assert.equal(A.mixer.remoteTalkers, 0);
  assert.equal(A.heard.get('a2')!.length, before + STALL);
  const alone = A.last('a2', STALL - 1);
  assertHears(alone, A_HZ, 'a2 hears its own shard\'s talker while B is missing');
  assertAbsent(alone, B_HZ, 'a2 hears B while B is missing');
  assertAbsent(A.last('a1', STALL - 1), A_HZ, 'a1 own voice while B is missing');
  // a1 is the only talker left: it hears nothing.
  assert.equal(A.mixer.member('a1')!.outputKind, 'silence');

  // B resumes at slot 51 (its first collect finds A's slot 50; its first publish is read by A at 52).
  const resume = 31 + STALL;
  const missingAtResume = A.exchange.missing;
  runSlots([A, B], resume, resume + 20);
  assert.equal(A.exchange.missing, missingAtResume + 1, 'A at the resume slot still misses B (it published nothing for resume − 1)');
  assert.equal(B.exchange.missing, 0);
  assert.equal(A.firstSlotHearing('a2', B_HZ, resume), resume + 1);
  assert.equal(A.mixer.remoteTalkers, 1);
  assertHears(A.last('a2', 15), B_HZ, 'a2 hears B again');
  assertHears(A.last('a2', 15), A_HZ, 'a2 still hears a1');
  assertHears(B.last('b2', 15), A_HZ, 'b2 hears A again');
});

test('a shard that never published (empty exchange) is missing, not an error', () => {
  const [A] = conference(2, [[{ id: 'a1', hz: A_HZ }, { id: 'a2', hz: null }], []]) as [Shard, Shard];
  // Shard 1 exists in the buffer but never ticks. Slot 1 reads the zeroed entry of slot 0 (count 0).
  for (let slot = 1; slot <= 20; slot++) A.step(slot);
  assert.equal(A.exchange.missing, 19);
  assert.equal(A.mixer.remoteTalkers, 0);
  assertHears(A.last('a2', 10), A_HZ, 'a2');
});

test('an entry rewritten while it is read (a shard 4 slots ahead) is counted torn and its talkers dropped for that tick', () => {
  const [A, B] = conference(4, [
    [{ id: 'a1', hz: null }, { id: 'a2', hz: null }],
    [{ id: 'b1', hz: B_HZ }, { id: 'b2', hz: null }],
  ]) as [Shard, Shard];
  runSlots([A, B], 1, 21);
  assert.equal(A.mixer.remoteTalkers, 1);
  // At slot 21 A reads B's entry of slot 20 (ring 0); B rewrites that ring
  // entry for slot 24 while A copies it.
  const mixer = A.mixer;
  const setRemote = mixer.setRemoteTalkers.bind(mixer);
  let rewrites = 0;
  mixer.setRemoteTalkers = (count, ranks, frames) => {
    if (count > 0 && rewrites++ === 0) B.exchange.publish(24, B.mixer);
    setRemote(count, ranks, frames);
  };
  try {
    A.step(21);
  } finally {
    mixer.setRemoteTalkers = setRemote;
  }
  assert.equal(rewrites, 1);
  assert.equal(A.exchange.torn, 1);
  assert.equal(A.exchange.missing, 0);
  assert.equal(A.mixer.remoteTalkers, 0, 'the torn talkers are not mixed');
  assert.equal(A.mixer.member('a2')!.outputKind, 'silence');
  // B ticks on normally from slot 21 (rewriting ring entries 21..24 in turn); A hears it again from 22.
  B.step(21);
  runSlots([A, B], 22, 30);
  assert.equal(A.exchange.torn, 1);
  assert.equal(A.exchange.missing, 0);
  assert.equal(A.mixer.remoteTalkers, 1);
  assert.equal(A.firstSlotHearing('a2', B_HZ, 21), 22);
});

// ---------------------------------------------------------------- buffer size, gain

test('exchangeBytes: 4 ring entries per shard of sequence, count, ranks and frames; a smaller buffer is refused', () => {
  const entry = (t: number): number => 8 + 8 * t + 2 * FRAME_SAMPLES * t;
  assert.equal(exchangeBytes(1, 1), 4 * entry(1));
  assert.equal(exchangeBytes(2, 4), 2 * 4 * entry(4));
  assert.equal(exchangeBytes(MAX_SHARDS, 4), MAX_SHARDS * 4 * entry(4));
  for (const [shards, maxTalkers] of [[2, 4], [3, 1], [MAX_SHARDS, 4]] as const) {
    const bytes = exchangeBytes(shards, maxTalkers);
    assert.throws(() => new ShardExchange({ buffer: new SharedArrayBuffer(bytes - 8), shard: 0, shards, maxTalkers }), RangeError);
    assert.throws(() => new ShardExchange({ buffer: new SharedArrayBuffer(0), shard: 0, shards, maxTalkers }), RangeError);
    assert.throws(() => new ShardExchange({ buffer: new SharedArrayBuffer(bytes - 1), shard: shards - 1, shards, maxTalkers }), RangeError);
    assert.doesNotThrow(() => new ShardExchange({ buffer: new SharedArrayBuffer(bytes), shard: shards - 1, shards, maxTalkers }));
    assert.doesNotThrow(() => new ShardExchange({ buffer: new SharedArrayBuffer(bytes + 64), shard: 0, shards, maxTalkers }));
  }
  // A buffer made for fewer talkers or fewer shards is too small as well.
  assert.throws(() => new ShardExchange({ buffer: new SharedArrayBuffer(exchangeBytes(2, 1)), shard: 0, shards: 2, maxTalkers: 4 }), RangeError);
  assert.throws(() => new ShardExchange({ buffer: new SharedArrayBuffer(exchangeBytes(2, 4)), shard: 0, shards: 3, maxTalkers: 4 }), RangeError);
});

test('input gain: a remote talker is published with its input gain applied (−6 dB heard −6 dB in the other shard)', () => {
  const heardLevel = (gainDb: number): { remote: number; local: number } => {
    const [A, B] = conference(4, [
      [{ id: 'a1', hz: null }, { id: 'a2', hz: null }],
      [{ id: 'b1', hz: B_HZ, inputGainDb: gainDb }, { id: 'b2', hz: null }],
    ]) as [Shard, Shard];
    runSlots([A, B], 1, 41);
    assert.equal(A.mixer.remoteTalkers, 1);
    return { remote: amplitudeAt(A.last('a2', 20), B_HZ), local: amplitudeAt(B.last('b2', 20), B_HZ) };
  };
  const plain = heardLevel(0), cut = heardLevel(-6);
  assert.ok(Math.abs(db(plain.remote, TONE_AMP)) < 0.5, `without gain: ${db(plain.remote, TONE_AMP).toFixed(2)} dB`);
  const rel = db(cut.remote, plain.remote);
  assert.ok(Math.abs(rel - -6) <= 1, `remote level with −6 dB input gain: ${rel.toFixed(2)} dB`);
  // The same level the talker's own shard mixes it at.
  assert.ok(Math.abs(db(cut.remote, cut.local)) < 0.3, `remote vs local: ${db(cut.remote, cut.local).toFixed(2)} dB`);
});

test('input gain set with update() applies to the published frame from the next tick; the rank follows the gain', () => {
  // maxTalkers 1: b1 (−20 dBFS) beats a1 (−26 dBFS) until b1's input gain drops it to −32.
  const [A, B] = conference(1, [
    [{ id: 'a1', hz: A_HZ, levelDbfs: -26 }, { id: 'a2', hz: null }],
    [{ id: 'b1', hz: B_HZ }, { id: 'b2', hz: null }],
  ]) as [Shard, Shard];
  runSlots([A, B], 1, 41);
  assertHears(A.last('a2', 20), B_HZ, 'a2 before the gain change');
  assert.equal(A.mixer.remoteTalkers, 1);
  B.mixer.update('b1', { inputGainDb: -12 });
  assert.equal(B.mixer.member('b1')!.inputGainDb, -12);
  runSlots([A, B], 41, 101);
  assert.equal(A.mixer.remoteTalkers, 0);
  assert.equal(B.mixer.remoteTalkers, 1);
  assertHears(A.last('a2', 20), A_HZ, 'a2 after the gain change', sineAmplitude(-26));
  assertHears(B.last('b2', 20), A_HZ, 'b2 after the gain change', sineAmplitude(-26));
  assert.ok(amplitudeAt(B.last('b2', 20), B_HZ) < sineAmplitude(-32) * 0.1);
});

test('slot numbers past 2³¹ (after ~497 days) still match: they are compared as 32-bit words', () => {
  const [A, B] = conference(4, [
    [{ id: 'a1', hz: null }],
    [{ id: 'b1', hz: B_HZ }, { id: 'b2', hz: null }],
  ]) as [Shard, Shard];
  const start = 2 ** 31 - 10;
  runSlots([A, B], start, start + 30); // crosses 2³¹
  assert.equal(A.mixer.remoteTalkers, 1);
  assert.equal(A.exchange.missing, 1, 'only the first slot, before B had published anything');
});
