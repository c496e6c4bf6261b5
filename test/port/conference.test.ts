// Port conformance, a conference with three real softphones (baresip), each
// sending its own tone (A 440, B 770, C 1250 Hz), all checked as audio
// (Goertzel, in what each phone decoded and in the recording of the mix).
// Before joining, A's leg is played two WAV files (600 Hz PCM16, 1 kHz
// A-law), recorded (its 440 Hz) and sent the keys "19#" (RFC 4733, reported
// by baresip). Then, phase by phase
// of one call set-up: join (each hears the others, not itself; talking
// events), mute, deaf, talk and listen volume, hold with its music,
// playToAll, recording of the mix, leave (the leg goes on: a prompt after
// leaving is heard), a second conference at the same time (apart from the
// first), join again with options (muted), hang-up of a member
// (member-left), close; the legs' network figures with RTCP from real
// phones (round trip included). The meeting itself is support/meeting.ts;
// this file holds its checks.
// Ports: engine SIP 18123, RTP 54120–54159; phones SIP 18170/18175/18180
// (+1 TLS, +2 ctrl), RTP 54280–54309.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidStateError } from '../../common/errors.ts';
import { dominantFrequency, readSamples, slice, steadyToneDb } from '../support/audio-check.ts';
import { ALL_HZ, HOLD_HZ, HZ, LEFT_HZ, NAMES, OTHER_HZ, PROMPT2_HZ, PROMPT_HZ, runMeeting, type Name, type Window } from './support/meeting.ts';
import { forEachEngine } from './support/suite.ts';

const work = mkdtempSync(join(tmpdir(), 'port-conference-'));
after(() => { if (!process.env.KEEP_MEDIA_TMP) rmSync(work, { recursive: true, force: true }); });

/**
 * Tone levels as steadyToneDb measures them (100 ms Goertzel blocks, 16-bit
 * sample units): a phone's −12 dBFS tone is about 72 dB where heard; an
 * absent tone measures the leakage of the others (under about 45 dB) or
 * nothing. Heard above PRESENT, absent below ABSENT.
 */
const PRESENT = 60;
const ABSENT = 50;
const BLOCK_MS = 100;

/** What `x` holds block by block (100 ms): which of `freqs` dominates a block (and is heard), runs of the same collapsed. */
function toneRuns(x: Int16Array, freqs: number[]): { hz: number; blocks: number }[] {
  const n = (BLOCK_MS * 8000) / 1000;
  const runs: { hz: number; blocks: number }[] = [];
  for (let s = 0; s + n <= x.length; s += n) {
    const block = x.subarray(s, s + n);
    const levels = freqs.map((hz) => steadyToneDb(block, hz, BLOCK_MS));
    const best = levels.indexOf(Math.max(...levels));
    const hz = levels[best]! > PRESENT ? freqs[best]! : 0;
    const last = runs.at(-1);
    if (last && last.hz === hz) last.blocks++; else runs.push({ hz, blocks: 1 });
  }
  return runs.filter((r) => r.hz !== 0);
}

forEachEngine('conference', { sipPort: 18123, rtpMin: 54120, rtpMax: 54159, workers: 2 }, (ctx) => {
  test('three phones in one conference: join, mute, deaf, volume, hold, playToAll, recording of the mix, talking, leave, hang-up, close', { timeout: 150_000 }, async (t) => {
    const { eut, router } = ctx();
    const {
      phones, w, before, paths, recStart, mix, stats, memberKeys, talking, left, leftBeforeClose, membersAtEnd,
      badUpdate, mutedAfterBad, holding, playedMs, otherAfterClose, recordAfterClose, cUpAfterOtherClose, rejoinedMuted, bUpAfterClose,
    } = await runMeeting(eut, router, mkdtempSync(join(work, `${eut.name}-`)));
    // ---- what each phone heard ----
    const level = (n: Name, hz: number, win: Window) => steadyToneDb(phones[n].heard(win[0], win[1]), hz, BLOCK_MS);
    const table = Object.entries(w).map(([phase, win]) => `${phase}: ${NAMES.map((n) => `${n}[${[HZ.A, HZ.B, HZ.C, HOLD_HZ, ALL_HZ, LEFT_HZ, OTHER_HZ].map((hz) => level(n, hz, win).toFixed(0)).join(',')}]`).join(' ')}`);
    t.diagnostic(`${eut.name}: levels (dB) of 440,770,1250,1600,2000,900,2600 Hz per phone:\n${table.join('\n')}`);

    await t.test('before joining: A hears its two WAV prompts in order (PCM16 600 Hz, then A-law 1 kHz), its voice is recorded (440 Hz), it receives the keys 1 9 # (RFC 4733)', () => {
      const heard = toneRuns(phones.A.heard(Math.max(before.prompt![0], phones.A.establishedAt), before.prompt![1]), [PROMPT_HZ, PROMPT2_HZ]);
      t.diagnostic(`A heard (100 ms blocks): ${heard.map((r) => `${r.hz}×${r.blocks}`).join(' ')}`);
      const long = heard.filter((r) => r.blocks >= 6).map((r) => r.hz);
      assert.deepEqual(long, [PROMPT_HZ, PROMPT2_HZ], 'each prompt heard for at least 600 ms, the PCM16 one first');
      assert.equal(before.rec?.endedBy, 'max');
      const rec = dominantFrequency(slice(readSamples(paths.rec), 200, 900));
      assert.equal(rec.hz, HZ.A, `A's recording: ${rec.hz} Hz`);
      const keys = phones.A.sip.ctrl.events.filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param);
      assert.deepEqual(keys, ['1', '9', '#']);
    });

    await t.test('join: each hears the other two and not itself; talking events for all three', () => {
      for (const n of NAMES) for (const o of NAMES) {
        const l = level(n, HZ[o], w.all!);
        if (o === n) assert.ok(l < ABSENT, `${n} hears itself at ${l.toFixed(1)} dB`);
        else assert.ok(l > PRESENT, `${n} hears ${o} at ${l.toFixed(1)} dB`);
      }
      assert.deepEqual([...talking].sort(), ['confA', 'confB', 'confC']);
    });

    await t.test('a volume out of range is refused with a clear error, and nothing of that update applies (B not muted, still heard)', () => {
      assert.ok(badUpdate instanceof Error, `update({ muted: true, talkDb: 100 }): ${String(badUpdate)}`);
      assert.match(badUpdate.message, /-60|−60|24|range/i);
      assert.equal(mutedAfterBad, false, 'member.muted after the refused update');
      for (const n of ['A', 'C'] as const) assert.ok(level(n, HZ.B, w.all!) > PRESENT, `${n} hears B`);
    });

    await t.test('mute: no one hears B; B still hears the others', () => {
      for (const n of ['A', 'C'] as const) assert.ok(level(n, HZ.B, w.muted!) < ABSENT, `${n} hears muted B at ${level(n, HZ.B, w.muted!).toFixed(1)} dB`);
      for (const o of ['A', 'C'] as const) assert.ok(level('B', HZ[o], w.muted!) > PRESENT, `muted B hears ${o}`);
    });

    await t.test('deaf: C hears nothing of the room; the others still hear C', () => {
      for (const o of ['A', 'B'] as const) assert.ok(level('C', HZ[o], w.deaf!) < ABSENT, `deaf C hears ${o} at ${level('C', HZ[o], w.deaf!).toFixed(1)} dB`);
      for (const n of ['A', 'B'] as const) assert.ok(level(n, HZ.C, w.deaf!) > PRESENT, `${n} hears deaf C`);
    });

    await t.test('keys pressed by a member in the conference reach its leg (RFC 4733): B\'s "*5"', () => {
      assert.deepEqual(memberKeys, ['B:*:rfc4733', 'B:5:rfc4733']);
    });

    await t.test('volume: talk −18 dB on A lowers A at B by 18 ± 3 dB; listen −12 dB on C lowers B at C by 12 ± 3 dB', () => {
      const talkDrop = level('B', HZ.A, w.all!) - level('B', HZ.A, w.volume!);
      const listenDrop = level('C', HZ.B, w.all!) - level('C', HZ.B, w.volume!);
      assert.ok(Math.abs(talkDrop - 18) <= 3, `talk −18 dB: ${talkDrop.toFixed(1)} dB`);
      assert.ok(Math.abs(listenDrop - 12) <= 3, `listen −12 dB: ${listenDrop.toFixed(1)} dB`);
      assert.ok(Math.abs(level('B', HZ.C, w.all!) - level('B', HZ.C, w.volume!)) <= 3, 'B hears C as before');
    });

    await t.test('hold: B hears its hold music and not the room; the room does not hear B', () => {
      assert.equal(holding, true);
      assert.ok(level('B', HOLD_HZ, w.hold!) > PRESENT, `B hears the hold music at ${level('B', HOLD_HZ, w.hold!).toFixed(1)} dB`);
      for (const o of ['A', 'C'] as const) assert.ok(level('B', HZ[o], w.hold!) < ABSENT, `held B hears ${o}`);
      for (const n of ['A', 'C'] as const) {
        assert.ok(level(n, HZ.B, w.hold!) < ABSENT, `${n} hears held B`);
        assert.ok(level(n, HOLD_HZ, w.hold!) < ABSENT, `${n} hears B's hold music`);
      }
    });

    await t.test('playToAll: every member hears it, with the talk; it resolves once played', () => {
      assert.ok(playedMs >= 1400 && playedMs < 4000, `playToAll of 1.5 s resolved after ${playedMs} ms`);
      for (const n of NAMES) assert.ok(level(n, ALL_HZ, w.playToAll!) > PRESENT, `${n} hears the prompt to all`);
      assert.ok(level('A', HZ.B, w.playToAll!) > PRESENT, 'talk goes on under the prompt');
    });

    await t.test('recording of the mix: everyone\'s voice (with its talk volume), not the muted or held one nor the hold music, and the prompt to all', () => {
      assert.ok(mix, 'stopRecording() gives the recording');
      const pcm = readSamples(mix.path);
      const at = (win: Window) => slice(pcm, win[0] - recStart, win[1] - recStart);
      assert.ok(Math.abs(mix.durationMs - pcm.length / 8) <= 100, `durationMs ${mix.durationMs} for ${pcm.length / 8} ms of samples`);
      for (const n of NAMES) assert.ok(steadyToneDb(at(w.all!), HZ[n], BLOCK_MS) > PRESENT, `${n} in the mix`);
      assert.ok(steadyToneDb(at(w.muted!), HZ.B, BLOCK_MS) < ABSENT, 'muted B not in the mix');
      assert.ok(steadyToneDb(at(w.playToAll!), ALL_HZ, BLOCK_MS) > PRESENT, 'the prompt to all in the mix');
      assert.ok(steadyToneDb(at(w.hold!), HZ.B, BLOCK_MS) < ABSENT, 'held B not in the mix');
      assert.ok(steadyToneDb(at(w.hold!), HOLD_HZ, BLOCK_MS) < ABSENT, 'hold music not in the mix');
      const talkDrop = steadyToneDb(at(w.all!), HZ.A, BLOCK_MS) - steadyToneDb(at(w.volume!), HZ.A, BLOCK_MS);
      assert.ok(Math.abs(talkDrop - 18) <= 3, `A's talk −18 dB in the mix: ${talkDrop.toFixed(1)} dB lower`);
    });

    await t.test('leave: member-left; the room no longer hears C, and C\'s leg goes on (a prompt after leaving is heard)', () => {
      assert.ok(leftBeforeClose.includes('confC'), `member-left: ${leftBeforeClose.join(',')}`);
      for (const n of ['A', 'B'] as const) assert.ok(level(n, HZ.C, w.afterLeave!) < ABSENT, `${n} still hears C`);
      assert.ok(level('C', LEFT_HZ, w.afterLeave!) > PRESENT, 'C hears the prompt played after leaving');
      assert.ok(level('C', HZ.A, w.afterLeave!) < ABSENT, 'C no longer hears the room');
    });

    await t.test('network figures with real phones (RTCP both ways): each leg reports packets received and sent, no loss on loopback, and a round trip', (st) => {
      st.diagnostic(`${eut.name} last stats per leg: ${JSON.stringify(Object.fromEntries(stats))}`);
      for (const n of NAMES) {
        const x = stats.get(n);
        assert.ok(x, `${n}: a stats event during ${((Date.now() - recStart) / 1000).toFixed(0)} s of call`);
        assert.ok(x.packetsReceived > 100 && x.packetsSent > 100, `${n}: received ${x.packetsReceived}, sent ${x.packetsSent}`);
        assert.ok(x.packetsLost <= x.packetsReceived * 0.02 && x.fractionLost < 0.05, `${n}: lost ${x.packetsLost} (${x.fractionLost})`);
        assert.ok(x.rttMs !== undefined && x.rttMs >= 0 && x.rttMs < 500, `${n}: round trip ${x.rttMs} ms from the phone's RTCP reports`);
      }
    });

    await t.test('two conferences at once are apart: C in another one hears its prompt to all; the first room hears neither it nor C', () => {
      assert.ok(level('C', OTHER_HZ, w.other!) > PRESENT, 'C hears the other conference\'s prompt');
      for (const o of ['A', 'B'] as const) assert.ok(level('C', HZ[o], w.other!) < ABSENT, `C in the other conference hears ${o}`);
      for (const n of ['A', 'B'] as const) {
        assert.ok(level(n, OTHER_HZ, w.other!) < ABSENT, `${n} hears the other conference's prompt`);
        assert.ok(level(n, HZ.C, w.other!) < ABSENT, `${n} hears C in the other conference`);
      }
    });

    await t.test('close() stops the recording of the mix: the WAV is whole and holds that conference (C and its prompt), not the first room; stopRecording() afterwards gives null, startRecording() an InvalidStateError', () => {
      const pcm = readSamples(paths.other);
      assert.ok(pcm.length >= 8 * 1000, `${pcm.length / 8} ms recorded`);
      assert.ok(steadyToneDb(pcm, OTHER_HZ, BLOCK_MS) > PRESENT, 'the other conference\'s prompt in its recording');
      assert.ok(steadyToneDb(pcm, HZ.C, BLOCK_MS) > PRESENT, 'C\'s voice in it');
      assert.ok(steadyToneDb(pcm, HZ.A, BLOCK_MS) < ABSENT, 'not the first room');
      assert.equal(otherAfterClose, null);
      assert.ok(recordAfterClose instanceof InvalidStateError, `startRecording() after close(): ${String(recordAfterClose)}`);
    });

    await t.test('join again after leaving, with { muted: true }: C hears the room, the room does not hear C', () => {
      assert.equal(rejoinedMuted, true);
      for (const o of ['A', 'B'] as const) assert.ok(level('C', HZ[o], w.rejoin!) > PRESENT, `C hears ${o} again`);
      for (const n of ['A', 'B'] as const) assert.ok(level(n, HZ.C, w.rejoin!) < ABSENT, `${n} hears C, who joined muted`);
    });

    await t.test('hang-up of a member: member-left for A; close(): B leaves, its leg stays up; the conference is empty', () => {
      assert.deepEqual(leftBeforeClose, ['confC', 'confC', 'confA'], 'C left twice (leave(), then hang-up after joining again), then A hung up (the other conference has its own events)');
      assert.deepEqual(left, ['confC', 'confC', 'confA', 'confB']);
      assert.equal(membersAtEnd, 0);
      assert.ok(bUpAfterClose, 'closing the conference leaves the legs up');
    });
  });
});
