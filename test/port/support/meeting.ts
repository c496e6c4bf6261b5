// The meeting the conference conformance test plays out, apart from its
// checks: three baresip phones (A 440, B 770, C 1250 Hz) call the engine
// under test; A is played two WAV prompts, recorded and sent keys before joining;
// then one phase after another (all talking, B muted, C deaf while B presses
// keys, volumes, B held, a prompt to all, C leaving, C in another conference,
// C back muted), each phase a window of time whose audio the test measures
// afterwards in what each phone decoded. Returns the windows and what the
// engine reported, once every phone has hung up.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { CallLeg, ConferenceMember, LegStats, Recording } from '../../../bridge/port.ts';
import { Q850 } from '../../../bridge/q850.ts';
import { listen, Phone } from '../../support/ivr-phones.ts';
import { waitUntil } from '../../support/ports.ts';
import type { EngineUnderTest } from '../engines.ts';
import type { CallRouter } from './suite.ts';

export const HZ = { A: 440, B: 770, C: 1250 } as const;
export type Name = keyof typeof HZ;
export const NAMES: Name[] = ['A', 'B', 'C'];
export const HOLD_HZ = 1600;
export const ALL_HZ = 2000;
export const LEFT_HZ = 900;
export const PROMPT_HZ = 600;
export const PROMPT2_HZ = 1000;
export const OTHER_HZ = 2600;

/** [from, to] in epoch ms. */
export type Window = [number, number];

const settle = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'resolved', (err: unknown) => err);

export type Meeting = Awaited<ReturnType<typeof runMeeting>>;

/** Plays the meeting out on `eut`; the phones use SIP 18170/18175/18180 (+1 TLS, +2 ctrl) and RTP 54280–54309. */
export async function runMeeting(eut: EngineUnderTest, router: CallRouter, work: string) {
  const conference = eut.engine.createConference('port-conformance', { joinLeaveTones: false });
  const members = new Map<Name, ConferenceMember>();
  const legs = new Map<Name, CallLeg>();
  const stats = new Map<Name, LegStats>();
  const memberKeys: string[] = [];
  const talking = new Set<string>();
  const left: string[] = [];
  conference.on('talking', (m, on) => { if (on) talking.add(m.leg.from); });
  conference.on('member-left', (m) => left.push(m.leg.from));
  const before: { prompt?: Window; rec?: Recording } = {};
  const paths = { rec: join(work, 'a-before.wav'), mix: join(work, 'mix.wav'), other: join(work, 'other-mix.wav') };
  const promptFiles = { pcm16: join(work, 'prompt-600-pcm16.wav'), alaw: join(work, 'prompt-1k-alaw.wav') };
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', promptFiles.pcm16, 'synth', '1.2', 'sine', String(PROMPT_HZ), 'vol', '0.25'], { timeout: 10_000 });
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'a-law', promptFiles.alaw, 'synth', '1.2', 'sine', String(PROMPT2_HZ), 'vol', '0.25'], { timeout: 10_000 });
  router.route('room', {
    answer: async (leg) => {
      const name = leg.from.replace(/^conf/, '') as Name;
      legs.set(name, leg);
      leg.on('stats', (st) => stats.set(name, st));
      leg.on('dtmf', (ev) => { if (members.has(name)) memberKeys.push(`${name}:${ev.digit}:${ev.source}`); });
      if (name === 'A') {
        const s = Date.now();
        // Two WAV files in one play(): PCM16 at 600 Hz, then A-law at 1 kHz.
        await leg.play([{ file: promptFiles.pcm16 }, { file: promptFiles.alaw }]);
        before.prompt = [s - 500, Date.now() + 500];
        before.rec = await leg.record({ path: paths.rec, maxMs: 1000 });
        await leg.sendDtmf('19#');
      }
      members.set(name, await conference.join(leg));
    },
  });

  const phones = {} as Record<Name, Phone>;
  try {
    await Promise.all(NAMES.map(async (n, i) => {
      phones[n] = await Phone.start({ work, name: `conf${n}`, toneHz: HZ[n], sipPort: 18170 + 5 * i, rtpBase: 54280 + 10 * i, lifetimeS: 100 });
    }));
    const uri = `sip:room@${eut.sipAddress}`;
    await phones.A.dial(uri);
    await waitUntil(() => members.has('A'), 15_000, 'A in the conference');
    await Promise.all([phones.B.dial(uri), phones.C.dial(uri)]);
    await waitUntil(() => members.size === 3, 10_000, 'three members');
    const m = (n: Name) => members.get(n)!;

    // Bad input changes nothing: a volume outside the engine's range [−60, 24] dB is refused, and the mute sent with it is not applied.
    const badUpdate = await settle(m('B').update({ muted: true, talkDb: 100 }));
    const mutedAfterBad = m('B').muted;
    await conference.startRecording(paths.mix);
    const recStart = Date.now();
    const w: Record<string, Window> = {};
    w.all = await listen(2500);
    await m('B').update({ muted: true });
    w.muted = await listen(2500);
    await m('B').update({ muted: false });
    await m('C').update({ deaf: true });
    // A member's keys reach its leg while it is in the conference (the IVR's star-codes, not the engine's).
    const keysSent = phones.B.keys('*5', 300);
    w.deaf = await listen(2500);
    await keysSent;
    await m('C').update({ deaf: false });
    await m('A').update({ talkDb: -18 });
    await m('C').update({ listenDb: -12 });
    w.volume = await listen(2500);
    await m('A').update({ talkDb: 0 });
    await m('C').update({ listenDb: 0 });
    await m('B').update({ hold: { tone: { freqs: [HOLD_HZ], totalMs: 60_000 } } });
    const holding = m('B').holding;
    w.hold = await listen(2500);
    await m('B').update({ hold: null });
    const p0 = Date.now();
    await conference.playToAll({ tone: { freqs: [ALL_HZ], totalMs: 1500 } });
    const playedMs = Date.now() - p0;
    w.playToAll = [p0 + 300, p0 + 1300];
    const mix = await conference.stopRecording();

    await m('C').leave();
    const legC = legs.get('C')!;
    const c0 = Date.now();
    await legC.play({ tone: { freqs: [LEFT_HZ], totalMs: 1500 } });
    w.afterLeave = [c0 + 300, Date.now() - 200];
    // Another conference at the same time: C alone in it, recorded, with a prompt to all; then closed without stopRecording().
    const other = eut.engine.createConference('port-conformance-other', { joinLeaveTones: false });
    await other.join(legC);
    await other.startRecording(paths.other);
    const o0 = Date.now();
    await other.playToAll({ tone: { freqs: [OTHER_HZ], totalMs: 1200 } });
    w.other = [o0 + 300, Date.now() - 200];
    await other.close();
    const otherAfterClose = await other.stopRecording().catch((err: unknown) => err);
    const recordAfterClose = await settle(other.startRecording(join(work, 'never.wav')));
    const cUpAfterOtherClose = !legC.ended;
    // Back in, muted from the start (join options).
    const rejoinedMuted = (await conference.join(legC, { muted: true })).muted;
    w.rejoin = await listen(2500);
    await legC.hangup(Q850.NORMAL_CLEARING);
    await phones.C.closed();
    await phones.A.hangup();
    await waitUntil(() => left.includes('confA'), 5000, 'A left by hanging up');
    const leftBeforeClose = [...left];
    await conference.close();
    const legB = legs.get('B')!;
    const bUpAfterClose = !legB.ended;
    await legB.hangup(Q850.NORMAL_CLEARING);
    await phones.B.closed();
    return {
      phones, w, before, paths, recStart, mix, stats, memberKeys, talking, left, leftBeforeClose, membersAtEnd: conference.members.length,
      badUpdate, mutedAfterBad, holding, playedMs, otherAfterClose, recordAfterClose, cUpAfterOtherClose, rejoinedMuted, bUpAfterClose,
    };
  } finally {
    await Promise.allSettled(Object.values(phones).map((p) => p.quit()));
  }
}
