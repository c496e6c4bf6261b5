// Step 2 of the mixer's tick: which members are mixed. Up to `maxTalkers`
// talking, unmuted, not-holding members with a frame are chosen, loudest
// first by the detector's smoothed energy; the talkers of the last tick get
// a small bonus (`incumbentBonusDb`) so near-equal voices do not flap in and
// out. Selection is by insertion into a list of `maxTalkers`: linear in the
// members, no sort and no allocation per tick.
//
// Shards: a conference too big for one thread runs as several mixers, one
// per media worker, each with its own members. Each shard offers its local
// talker candidates (forEachCandidate: rank, frame and input gain) to the
// others and takes theirs with setRemoteTalkers(); choose() then keeps the
// loudest `maxTalkers` of both. Remote talkers are summed into the mix like
// local ones (they have no output here: their own shard gives them the mix
// minus themselves).
import { FRAME_SAMPLES } from '../rtp/frame-source.ts';
import type { MemberState } from './mixer-member.ts';

export class TalkerSelection {
  /** This tick's local talkers, loudest first; a talker's `slot` is its place here. */
  readonly chosen: MemberState[] = [];
  /** Remote talkers for the next tick, loudest first (the first `remoteMixed` were mixed in the last tick). */
  readonly remoteFrames: Int16Array[];
  /** Remote talkers mixed in the last tick. */
  remoteMixed = 0;

  private readonly incumbentBonus: number;
  private readonly ranks: Float64Array;
  /** The last tick's talkers, whose `mixed` flag the next choice clears. */
  private readonly previous: MemberState[] = [];
  /** This tick's local candidates (the loudest `maxTalkers` local talkers), before remote talkers compete. */
  private readonly candidates: MemberState[] = [];
  private readonly candidateRanks: Float64Array;
  private remoteCount = 0;
  private readonly remoteRanks: Float64Array;

  /** `remoteCapacity`: most remote talkers taken per tick (the others' candidates, maxTalkers per shard). */
  constructor(readonly maxTalkers: number, incumbentBonusDb: number, remoteCapacity: number) {
    if (!Number.isInteger(maxTalkers) || maxTalkers < 1) throw new RangeError(`maxTalkers ${maxTalkers} must be an integer ≥ 1`);
    if (!(incumbentBonusDb >= 0 && incumbentBonusDb <= 20)) throw new RangeError(`incumbentBonusDb ${incumbentBonusDb} must be in [0, 20]`);
    this.incumbentBonus = 10 ** (incumbentBonusDb / 10);
    this.ranks = new Float64Array(maxTalkers);
    this.candidateRanks = new Float64Array(maxTalkers);
    this.remoteRanks = new Float64Array(remoteCapacity);
    this.remoteFrames = Array.from({ length: remoteCapacity }, () => new Int16Array(FRAME_SAMPLES));
  }

  /** See ConferenceMixer.setRemoteTalkers. */
  setRemoteTalkers(count: number, ranks: ArrayLike<number>, frames: (i: number) => Int16Array): void {
    const n = Math.min(count, this.remoteFrames.length);
    let k = 0;
    for (let i = 0; i < n; i++) {
      // insertion by rank, loudest first
      const rank = ranks[i]!;
      let j = k++;
      const frame = this.remoteFrames[j]!;
      while (j > 0 && this.remoteRanks[j - 1]! < rank) {
        this.remoteRanks[j] = this.remoteRanks[j - 1]!;
        this.remoteFrames[j] = this.remoteFrames[j - 1]!;
        j--;
      }
      this.remoteRanks[j] = rank;
      this.remoteFrames[j] = frame;
      frame.set(frames(i).subarray(0, FRAME_SAMPLES));
    }
    this.remoteCount = k;
  }

  /** See ConferenceMixer.forEachCandidate. */
  forEachCandidate(fn: (rank: number, frame: Int16Array, gain: number) => void): void {
    for (let j = 0; j < this.candidates.length; j++) {
      const m = this.candidates[j]!;
      if (m.frame) fn(this.candidateRanks[j]!, m.frame, m.inputGain);
    }
  }

  /** Top `maxTalkers` of `list` by smoothed energy (with the incumbents' bonus), by insertion, then the remote talkers compete. */
  choose(list: readonly MemberState[]): void {
    const chosen = this.chosen;
    const ranks = this.ranks;
    const max = this.maxTalkers;
    chosen.length = 0;
    for (let k = 0; k < list.length; k++) {
      const m = list[k]!;
      if (!m.detector.talking || m.muted || m.frame === null) continue;
      const rank = m.detector.smoothed * (m.mixed ? this.incumbentBonus : 1);
      let n = chosen.length;
      if (n < max) chosen.push(m);
      else if (rank <= ranks[max - 1]!) continue;
      else n = max - 1;
      while (n > 0 && ranks[n - 1]! < rank) {
        ranks[n] = ranks[n - 1]!;
        chosen[n] = chosen[n - 1]!;
        n--;
      }
      ranks[n] = rank;
      chosen[n] = m;
    }
    const candidates = this.candidates;
    candidates.length = chosen.length;
    for (let j = 0; j < chosen.length; j++) { candidates[j] = chosen[j]!; this.candidateRanks[j] = ranks[j]!; }
    this.mergeRemote();
    for (const m of this.previous) m.mixed = false;
    this.previous.length = 0;
    for (let j = 0; j < chosen.length; j++) {
      const m = chosen[j]!;
      m.mixed = true;
      m.slot = j;
      this.previous.push(m);
    }
  }

  /** Remote talkers compete for the places: merge the two lists, loudest first. */
  private mergeRemote(): void {
    const chosen = this.chosen;
    let remote = 0;
    if (this.remoteCount > 0) {
      let local = 0;
      while (local + remote < this.maxTalkers && (local < chosen.length || remote < this.remoteCount)) {
        if (remote >= this.remoteCount || (local < chosen.length && this.ranks[local]! >= this.remoteRanks[remote]!)) local++;
        else remote++;
      }
      chosen.length = local;
      this.remoteCount = 0;
    }
    this.remoteMixed = remote;
  }

  /** A member leaves: it no longer counts among the last tick's talkers. */
  forget(m: MemberState): void {
    const prev = this.previous.indexOf(m);
    if (prev >= 0) this.previous.splice(prev, 1);
  }
}
