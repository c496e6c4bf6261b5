// Steps 3 and 4 of the mixer's tick: the sum, and what each member hears.
//
// 3. The talkers (after input gain), the remote talkers and the playToAll
//    prompts are summed in an Int32 accumulator: that is the full mix,
//    clamped to Int16 for the recording tap and for the shared frames. Each
//    local talker's contribution is kept in its slot, to be taken out again.
// 4. Outputs: a talker hears the mix minus its own contribution (encoded for
//    it alone); every other plain member gets the ONE shared encoded frame of
//    its codec (encoded at most once per codec per tick); deaf members get
//    the codec's silence frame; holding members get their hold feed's frame
//    (shared by all holders of that source, see hold-feed.ts); a playTo
//    prompt or an output gain makes a member's output private (encoded for
//    it alone).
// So the encoding cost is talkers + codecs in use (+ private outputs), not
// members. Shared frames are the same Uint8Array instance for everyone.
//
// Wideband is mixed as two bands, the way G.722 splits audio: the 0–4 kHz
// band is the mix above, shared with the narrowband members unchanged; the
// 4–8 kHz band (8 kHz samples too) is summed from the talkers that sent one,
// only while a wideband member is in the conference, and heard only by the
// wideband members. Their output is PCM of both bands ('bands'), which each
// leg encodes itself: G.722's ADPCM keeps state per stream, so no encoded
// frame can be shared. A conference with no wideband member does no more
// work than before.
import { FRAME_SAMPLES } from '../rtp/frame-source.ts';
import { CODECS, SILENCE, codecIndex } from './codec-frames.ts';
import type { MemberState, OutputKind } from './mixer-member.ts';
import { compactPlaybacks, type ActivePlayback } from './playback.ts';

/** The silence of a wideband output band; shared, never written. */
const NO_SOUND = new Int16Array(FRAME_SAMPLES);

export class MixBus {
  /** The full mix of the last tick, clamped (the recording tap's frame); reused. */
  readonly mixPcm = new Int16Array(FRAME_SAMPLES);
  /** The 4–8 kHz band of the last tick's mix, clamped (while widebandMembers > 0); reused. */
  readonly mixHigh = new Int16Array(FRAME_SAMPLES);
  /** G.711 encodes done by the last assignOutputs(). */
  encodes = 0;
  /** Wideband members in the conference (kept by the mixer); 0 skips all high-band work. */
  widebandMembers = 0;

  private readonly acc = new Int32Array(FRAME_SAMPLES);
  private readonly scratch = new Int32Array(FRAME_SAMPLES);
  private readonly outPcm = new Int16Array(FRAME_SAMPLES);
  /** Each local talker's contribution (after input gain), by its slot. */
  private readonly slots: Int32Array[];
  private readonly sharedOut = CODECS.map(() => new Uint8Array(FRAME_SAMPLES));
  private readonly sharedTick = [-1, -1];
  private readonly accHigh = new Int32Array(FRAME_SAMPLES);
  /** Each local talker's high band (after input gain), by its slot; written only for talkers that sent one. */
  private readonly slotsHigh: Int32Array[];

  constructor(maxTalkers: number) {
    this.slots = Array.from({ length: maxTalkers }, () => new Int32Array(FRAME_SAMPLES));
    this.slotsHigh = Array.from({ length: maxTalkers }, () => new Int32Array(FRAME_SAMPLES));
  }

  /**
   * Step 3: sums the talkers, the first `remoteCount` remote frames and the
   * playToAll prompts (ended ones move to `finished`); returns how many contributed.
   */
  mix(
    chosen: readonly MemberState[], remoteFrames: readonly Int16Array[], remoteCount: number,
    toAll: ActivePlayback[], finished: ActivePlayback[],
  ): number {
    const acc = this.acc;
    acc.fill(0);
    let contributors = 0;
    for (const m of chosen) {
      const frame = m.frame!;
      const slot = this.slots[m.slot]!;
      const g = m.inputGain;
      if (g === 1) {
        for (let i = 0; i < FRAME_SAMPLES; i++) {
          const v = frame[i]!;
          slot[i] = v;
          acc[i] = acc[i]! + v;
        }
      } else {
        for (let i = 0; i < FRAME_SAMPLES; i++) {
          let v = Math.round(frame[i]! * g);
          v = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
          slot[i] = v;
          acc[i] = acc[i]! + v;
        }
      }
      contributors++;
    }
    for (let r = 0; r < remoteCount; r++) {
      const frame = remoteFrames[r]!;
      for (let i = 0; i < FRAME_SAMPLES; i++) acc[i] = acc[i]! + frame[i]!;
      contributors++;
    }
    if (toAll.length > 0) {
      for (const p of toAll) {
        const frame = p.pull();
        if (!frame) continue;
        for (let i = 0; i < FRAME_SAMPLES; i++) acc[i] = acc[i]! + frame[i]!;
        contributors++;
      }
      compactPlaybacks(toAll, finished);
    }
    const mix = this.mixPcm;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = acc[i]!;
      mix[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    if (this.widebandMembers > 0) this.mixHighBand(chosen);
    return contributors;
  }

  /** Step 3 for the 4–8 kHz band: the talkers that sent one (remote talkers and prompts are narrowband). */
  private mixHighBand(chosen: readonly MemberState[]): void {
    const acc = this.accHigh;
    acc.fill(0);
    for (const m of chosen) {
      const frame = m.frameHigh;
      if (!frame) continue;
      const slot = this.slotsHigh[m.slot]!;
      const g = m.inputGain;
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        let v = g === 1 ? frame[i]! : Math.round(frame[i]! * g);
        v = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
        slot[i] = v;
        acc[i] = acc[i]! + v;
      }
    }
    const mix = this.mixHigh;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = acc[i]!;
      mix[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
  }

  /** Step 4: sets every member's output for this tick (its playTo prompts that ended move to `finished`). */
  assignOutputs(list: readonly MemberState[], tick: number, contributors: number, finished: ActivePlayback[]): void {
    this.encodes = 0;
    for (let k = 0; k < list.length; k++) {
      const m = list[k]!;
      if (m.wideband) { this.bandsOutput(m, tick, contributors, finished); continue; }
      const ci = codecIndex(m.codec);
      let prompts = false;
      if (m.playbacks.length > 0) {
        for (const p of m.playbacks) if (p.pull()) prompts = true;
        compactPlaybacks(m.playbacks, finished);
      }
      const plain = !prompts && m.outputGain === 1;
      const hold = m.hold;
      if (hold !== null) {
        const pcm = hold.frame(tick);
        if (plain) {
          if (pcm) {
            if (hold.encodedTick[ci] !== tick) {
              hold.encodedTick[ci] = tick;
              CODECS[ci]!.encode(pcm, hold.encoded[ci]!);
              this.encodes++;
            }
            this.setOutput(m, hold.encoded[ci]!, 'hold');
          } else this.setOutput(m, SILENCE[ci]!, 'silence');
        } else this.privateOutput(m, ci, pcm, false, false);
        continue;
      }
      // What the conference gives this member: nothing when deaf, or when the
      // only contribution is the member's own voice.
      const hearsMix = !m.deaf && contributors > (m.mixed ? 1 : 0);
      if (plain) {
        if (!hearsMix) this.setOutput(m, SILENCE[ci]!, 'silence');
        else if (!m.mixed) this.setOutput(m, this.shared(ci, tick), 'shared');
        else this.privateOutput(m, ci, null, true, true);
      } else if (!hearsMix && !prompts) {
        this.setOutput(m, SILENCE[ci]!, 'silence');
      } else {
        this.privateOutput(m, ci, null, hearsMix, m.mixed && hearsMix);
      }
    }
  }

  private setOutput(m: MemberState, bytes: Uint8Array, kind: OutputKind): void {
    m.output = bytes;
    m.outputKind = kind;
  }

  private shared(ci: number, tick: number): Uint8Array {
    const out = this.sharedOut[ci]!;
    if (this.sharedTick[ci] !== tick) {
      this.sharedTick[ci] = tick;
      CODECS[ci]!.encode(this.mixPcm, out);
      this.encodes++;
    }
    return out;
  }

  /** Step 4 for a wideband member: PCM of both bands, shared with the other plain listeners when it can be. */
  private bandsOutput(m: MemberState, tick: number, contributors: number, finished: ActivePlayback[]): void {
    let prompts = false;
    if (m.playbacks.length > 0) {
      for (const p of m.playbacks) if (p.pull()) prompts = true;
      compactPlaybacks(m.playbacks, finished);
    }
    m.outputKind = 'bands';
    const plain = !prompts && m.outputGain === 1;
    const hold = m.hold;
    if (hold !== null) {
      const pcm = hold.frame(tick);
      if (plain) { m.outputLow = pcm ?? NO_SOUND; m.outputHigh = NO_SOUND; }
      else this.privateBands(m, pcm, false, false);
      return;
    }
    const hearsMix = !m.deaf && contributors > (m.mixed ? 1 : 0);
    if (!hearsMix && !prompts) { m.outputLow = NO_SOUND; m.outputHigh = NO_SOUND; return; }
    if (plain && !m.mixed) { m.outputLow = this.mixPcm; m.outputHigh = this.mixHigh; return; }
    this.privateBands(m, null, hearsMix, m.mixed && hearsMix);
  }

  /** A wideband member's own bands: the low band as privateOutput computes it (not encoded), the high band likewise. */
  private privateBands(m: MemberState, base: Int16Array | null, withMix: boolean, minusOwn: boolean): void {
    const low = m.privateLow ?? (m.privateLow = new Int16Array(FRAME_SAMPLES));
    const high = m.privateHigh ?? (m.privateHigh = new Int16Array(FRAME_SAMPLES));
    low.set(this.privatePcm(m, base, withMix, minusOwn));
    const g = m.outputGain;
    if (withMix) {
      const acc = this.accHigh;
      const own = minusOwn && m.frameHigh ? this.slotsHigh[m.slot]! : null;
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const s = own ? acc[i]! - own[i]! : acc[i]!;
        const v = g === 1 ? s : Math.round(s * g);
        high[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    } else high.fill(0);
    m.outputLow = low;
    m.outputHigh = high;
  }

  /** (mix [− own] | base) + the member's prompts, × output gain, clamped and encoded for the member alone. */
  private privateOutput(m: MemberState, ci: number, base: Int16Array | null, withMix: boolean, minusOwn: boolean): void {
    const out = this.privatePcm(m, base, withMix, minusOwn);
    const bytes = m.privateOut ?? (m.privateOut = new Uint8Array(FRAME_SAMPLES));
    CODECS[ci]!.encode(out, bytes);
    this.encodes++;
    this.setOutput(m, bytes, 'private');
  }

  /** (mix [− own] | base) + the member's prompts, × output gain, clamped: the reused outPcm. */
  private privatePcm(m: MemberState, base: Int16Array | null, withMix: boolean, minusOwn: boolean): Int16Array {
    const s = this.scratch;
    if (withMix) {
      const acc = this.acc;
      if (minusOwn) {
        const own = this.slots[m.slot]!;
        for (let i = 0; i < FRAME_SAMPLES; i++) s[i] = acc[i]! - own[i]!;
      } else s.set(acc);
    } else if (base) {
      for (let i = 0; i < FRAME_SAMPLES; i++) s[i] = base[i]!;
    } else s.fill(0);
    for (const p of m.playbacks) {
      const f = p.frame;
      if (f) for (let i = 0; i < FRAME_SAMPLES; i++) s[i] = s[i]! + f[i]!;
    }
    const out = this.outPcm;
    const g = m.outputGain;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = g === 1 ? s[i]! : Math.round(s[i]! * g);
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return out;
  }
}
