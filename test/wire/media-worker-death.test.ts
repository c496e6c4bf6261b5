// A media worker dies under live calls (its thread stopped at once, as a
// crash would) and nothing waits forever. With the IVR: two callers in one
// room spread over two workers, a prompt to everyone playing; the worker of
// one caller is killed. The prompt settles, that caller is hung up with
// Q.850 41 (temporary failure: try again, a replacement worker is there) and
// its CDR is closed with that cause, the conference drops it and keeps the
// other caller mixing, and a new caller lands on the replacement worker and
// is mixed with the room — the room's mix, recorded after the death, holds the
// survivor's and the newcomer's tones (Goertzel). On a plain engine: a leg's pending play settles and
// its pending recording rejects with a MediaError of code EWORKERDIED, and
// the dead worker's sockets are closed (its RTP port can be bound again).
// Ports: engines SIP 16050 and 16051, RTP 46000–46499 and 46500–46599;
// sipp SIP 16060–16079, media 16080–16139.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedCallLeg } from '../../bridge/embedded/call-leg.ts';
import type { MediaPool } from '../../bridge/embedded/media/control/media-pool.ts';
import { MediaError, WORKER_DIED } from '../../bridge/embedded/media/media-error.ts';
import type { CallLeg, ConferenceMember, HangupInfo, PlayResult, Recording } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { DEMO } from '../../core/seed.ts';
import { goertzelPower, readSamples } from '../support/audio-check.ts';
import type { Participant } from '../../ivr/room/participant.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { startSippCall } from '../support/ivr-calls.ts';
import { TestEngine } from '../support/media-engine.ts';
import { waitUntil } from '../support/ports.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { runSipp, startSipp } from '../support/sipp.ts';

const SIP_PORT = 16050;
const EN = '4008001000';
const ROOM = DEMO.room.number;
let sippPort = 16060;
let sippMedia = 16080;
const ports = () => ({ localPort: sippPort++, mediaPort: (sippMedia += 4) });
const work = mkdtempSync(join(tmpdir(), 'media-worker-death-'));

let bridge: IvrBridge;
const engine = new TestEngine({ sipPort: SIP_PORT + 1, rtpMin: 46500, rtpMax: 46599, workers: 1 });

before(async () => {
  // spreadAt 1: the second member makes the room spread, one shard per worker.
  bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 46000, rtpMax: 46499, workers: 2, spreadAt: 1 });
  await engine.start();
});
after(async () => {
  await bridge.close();
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

/** Binds a UDP socket to 127.0.0.1:`port` and closes it; rejects (EADDRINUSE) while something holds the port. */
function bindAndClose(port: number): Promise<void> {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    sock.once('error', (err) => { sock.close(); reject(err); });
    sock.bind(port, '127.0.0.1', () => sock.close(() => resolve()));
  });
}

/** `p`, or a rejection naming `what` after `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms); });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The position in pool.hosts of the worker that holds the leg's media. */
function workerOf(pool: MediaPool, leg: CallLeg): number {
  assert.ok(leg instanceof EmbeddedCallLeg, 'a leg of the embedded engine');
  return pool.hosts.indexOf(leg.media.channel);
}

/** A chair of the demo room: the English access number, room and PIN, then a tone until the bridge hangs up. */
function chair(toneHz: number) {
  return startSippCall({
    bridge, sipPort: SIP_PORT, to: EN, ...ports(), recvTimeoutMs: 60_000,
    segments: ['silence:0.5', `dtmf:${ROOM}#:100:100`, `dtmf:${DEMO.room.chairPin}#:100:100`, `tone:${toneHz}:50`],
  });
}

/** The participants of the demo room that are in the mix, once there are `n` (bounded wait). */
async function inMix(n: number): Promise<Participant[]> {
  const mixed = () => {
    const live = bridge.ivr.rooms.byNumber(ROOM);
    return (live?.list() ?? []).map((v) => live!.get(v.id)).filter((p): p is Participant => p?.member != null);
  };
  await waitUntil(() => mixed().length === n, 20_000, `${n} callers in the mix`);
  return mixed();
}

test('a media worker killed mid-call and mid-playToAll: the prompt settles, its caller is hung up with Q.850 41 and a closed CDR, the conference keeps the other caller, and the next caller is mixed on the replacement worker', { timeout: 120_000 }, async () => {
  const pool = bridge.engine.media;
  const callA = chair(440);
  const [a] = await inMix(1);
  const callB = chair(770);
  const b = (await inMix(2)).find((p) => p !== a)!;
  const live = bridge.ivr.rooms.byNumber(ROOM)!;
  const conference = live.conference;
  const legA = a!.ctx.leg;
  const legB = b.ctx.leg;
  const memberA = a!.member!;
  const memberB = b.member!;
  const wA = workerOf(pool, legA);
  assert.notEqual(wA, workerOf(pool, legB), 'the room is spread over both workers');
  assert.deepEqual((await pool.stats()).map((s) => s.members), [1, 1]);

  const left: ConferenceMember[] = [];
  conference.on('member-left', (m) => left.push(m));
  const hangupA = new Promise<HangupInfo>((resolve) => legA.on('hangup', resolve));

  // A 3 s prompt to everyone, playing in both shards when the worker dies.
  const playStarted = Date.now();
  const play = conference.playToAll({ tone: { freqs: [1000], levelDbfs: -20, totalMs: 3000 } });
  // An ordering barrier, not a wait: once this turn's microtasks have posted
  // the play to both workers, a stats request behind it returns only after
  // each worker has started the play.
  await new Promise((resolve) => setImmediate(resolve));
  await pool.stats();
  const dead = pool.hosts[wA];
  await pool.terminateWorkerForTest(wA);

  // The conference was told at once: A left the mix, B is still in it.
  assert.equal(left.length, 1, 'one member-left');
  assert.equal(left[0], memberA, 'member-left for the caller on the dead worker');
  assert.equal(conference.members.length, 1);
  assert.equal(conference.members[0], memberB);
  // A replacement took the dead worker's place.
  assert.equal(pool.hosts.length, 2);
  assert.notEqual(pool.hosts[wA], dead, 'a new worker in the dead one\'s place');

  // The prompt settles: its shard on the dead worker gave up, the other played it to the end.
  await within(play, 10_000, 'playToAll');
  const playMs = Date.now() - playStarted;
  console.log(`# playToAll settled after ${playMs} ms (a 3000 ms prompt)`);
  assert.ok(playMs >= 2500 && playMs < 8000, `playToAll settled after ${playMs} ms`);

  // A is hung up by the bridge with Q.850 41; sipp saw the BYE; the CDR is closed with the cause.
  const info = await within(hangupA, 10_000, 'the hang-up of the caller on the dead worker');
  assert.equal(info.by, 'local');
  assert.equal(info.cause, Q850.TEMPORARY_FAILURE);
  const doneA = await within(callA.done, 30_000, 'caller A');
  assert.equal(doneA.result.code, 0, doneA.result.summary);
  assert.equal(doneA.summary.outcome, 'joined');
  const cdrA = await bridge.cdr(doneA.summary.cdrId);
  assert.equal(cdrA.state, 'closed');
  assert.ok(cdrA.endedAt, 'the CDR has an end time');
  assert.equal(cdrA.q850, Q850.TEMPORARY_FAILURE);
  assert.equal(cdrA.roomNumber, ROOM);

  // B's shard goes on: B is still in the call and a prompt to everyone plays through.
  assert.equal(legB.ended, false);
  await within(conference.playToAll({ tone: { freqs: [1000], levelDbfs: -20, totalMs: 500 } }), 10_000, 'playToAll after the death');

  // A new caller lands on the replacement worker, in a new shard of the room, and is heard.
  let cTalking = false;
  conference.on('talking', (m, on) => { if (on && m.leg !== legA && m.leg !== legB) cTalking = true; });
  const callC = chair(1250);
  const c = (await inMix(2)).find((p) => p !== b)!;
  const legC = c.ctx.leg;
  assert.equal(workerOf(pool, legC), wA, 'the new caller is on the replacement worker');
  assert.deepEqual((await pool.stats()).map((s) => s.members), [1, 1], 'one member per worker');
  await waitUntil(() => cTalking, 10_000, 'a talking event for the new caller');
  await within(conference.playToAll({ tone: { freqs: [1000], levelDbfs: -20, totalMs: 500 } }), 10_000, 'playToAll over both shards');

  // Heard, not only detected: the room's mix holds B (the survivor) and C (on the replacement), and not A.
  const mixPath = join(work, 'after-death.wav');
  await conference.startRecording(mixPath);
  await new Promise((r) => setTimeout(r, 3000)); // audio flows; not a synchronisation
  await conference.stopRecording();
  const mix = readSamples(mixPath);
  const db = (hz: number) => 10 * Math.log10(Math.max(goertzelPower(mix, hz), 1e-12));
  console.log(`# the mix after the death: B 770 Hz ${db(770).toFixed(0)} dB, C 1250 Hz ${db(1250).toFixed(0)} dB, A 440 Hz (gone) ${db(440).toFixed(0)} dB`);
  assert.ok(mix.length / 8000 > 2, 'seconds of the mix recorded');
  assert.ok(db(770) - db(440) > 30, 'the surviving caller is heard in the mix');
  assert.ok(db(1250) - db(440) > 30, 'the new caller on the replacement worker is heard in the mix');

  await legB.hangup(Q850.NORMAL_CLEARING);
  await legC.hangup(Q850.NORMAL_CLEARING);
  for (const call of [callB, callC]) {
    const done = await within(call.done, 30_000, 'callers B and C');
    assert.equal(done.result.code, 0, done.result.summary);
    const cdr = await bridge.cdr(done.summary.cdrId);
    assert.equal(cdr.state, 'closed');
    assert.equal(cdr.q850, Q850.NORMAL_CLEARING);
  }
});

test('a leg\'s pending play and recording settle when its worker dies: the play ends, the recording rejects with EWORKERDIED, the call ends with Q.850 41, and the replacement takes the next call', { timeout: 60_000 }, async () => {
  const remote = `127.0.0.1:${SIP_PORT + 1}`;
  const path = join(work, 'lost.wav');
  let rtpPort = 0;
  engine.handle('lost', async (leg) => {
    if (leg instanceof EmbeddedCallLeg) rtpPort = leg.media.localPort;
    const [play, rec] = await Promise.allSettled([
      leg.play({ tone: { freqs: [440], totalMs: 20_000 } }),
      leg.record({ path, maxMs: 20_000 }),
    ]);
    return { play, rec };
  });
  const pcap = join(work, 'tone.pcap');
  makePcap(pcap, ['tone:1000:20']);
  const sipp = startSipp({ scenario: 'uac-pcap-expect-bye.xml', remote, ...ports(), service: 'lost', calls: 1, keys: { pcap }, timeoutS: 40, recvTimeoutMs: 30_000 });
  // The worker opens the WAV before it answers the record request, after the play's.
  await waitUntil(() => existsSync(path), 10_000, 'the recording to start');
  await engine.media.terminateWorkerForTest(0);

  const h = await engine.finished('lost');
  const { play, rec } = h.result as { play: PromiseSettledResult<PlayResult>; rec: PromiseSettledResult<Recording> };
  assert.deepEqual(play, { status: 'fulfilled', value: { interrupted: false } });
  assert.equal(rec.status, 'rejected');
  const err = (rec as PromiseRejectedResult).reason as unknown;
  assert.ok(err instanceof MediaError, `a MediaError: ${String(err)}`);
  assert.equal(err.code, WORKER_DIED);
  assert.match(err.message, /media worker 0 died/);
  await waitUntil(() => h.hangup !== undefined, 10_000, 'the hang-up');
  assert.equal(h.hangup!.cause, Q850.TEMPORARY_FAILURE);
  const r = await within(sipp.done, 30_000, 'sipp');
  assert.equal(r.code, 0, r.summary);
  // The dead worker's sockets were closed with its thread: its RTP port can be bound again.
  assert.ok(rtpPort > 0, 'the leg had an RTP port');
  await bindAndClose(rtpPort);

  engine.handle('after', async (leg) => {
    const played = await leg.play({ tone: { freqs: [440], totalMs: 300 } });
    await leg.hangup(Q850.NORMAL_CLEARING);
    return played;
  });
  makePcap(join(work, 'silence.pcap'), ['silence:3']);
  const next = await runSipp({ scenario: 'uac-pcap-expect-bye.xml', remote, ...ports(), service: 'after', calls: 1, keys: { pcap: join(work, 'silence.pcap') }, timeoutS: 30, recvTimeoutMs: 10_000 });
  assert.equal(next.code, 0, next.summary);
  const after = await engine.finished('after');
  assert.equal(after.error, undefined, String(after.error));
  assert.deepEqual(after.result, { interrupted: false });
});
