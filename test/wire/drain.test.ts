// SIGTERM without cutting meetings (issue 15, app/drain.ts), on the product's
// process (app/main.ts) with PGlite in a temporary data folder:
//  - two meetings up (two rooms: a recording baresip chair and a silent sipp
//    guest in each) and a baresip caller still in the IVR; SIGTERM; a new
//    INVITE gets 503 with Retry-After; the meetings go on until the drain time
//    (BRIDGE_DRAIN_S=8), when each chair hears 'meeting-ending-goodbye' (found
//    in its recording by correlation, at the drain time ± a margin) and every
//    leg gets a BYE; the caller in the IVR hears 'service-unavailable'; the
//    process exits 0; every CDR is closed (end time and cause, not by recovery);
//  - a second SIGTERM ends every call at once (BYE, CDRs closed, exit 0);
//  - the last call ending before the drain time: the process exits at once (0).
// Ports (brief "drain"): app SIP 17800/17801/17802, web 17850–17852, RTP 45500–45749;
// phones SIP 17804–17815, RTP 45750–45779; sipp 17820–17829, media 45800–45899.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../core/db.ts';
import { createRepositories } from '../../core/repositories.ts';
import { seedDemo } from '../../core/seed.ts';
import { promptPath, type PromptId } from '../../ivr/prompts/catalog.ts';
import { startApp, type AppProcess } from '../support/app-process.ts';
import { findInRecording, readSamples } from '../support/audio-check.ts';
import { Phone } from '../support/ivr-phones.ts';
import { waitUntil } from '../support/ports.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { startSipp, type SippRun } from '../support/sipp.ts';

const ACCESS = '4008001000'; // the demo's English access number
const ROOM_A = { number: '888888', chair: '1234', guest: '5678' }; // the demo room
const ROOM_B = { number: '7017001', chair: '4321', guest: '8765' };
const DRAIN_S = 8;
const RETRY_AFTER_S = 30;
const work = mkdtempSync(join(tmpdir(), 'drain-wire-'));
const phones: Phone[] = [];
const sipps: SippRun[] = [];
const apps: AppProcess[] = [];

after(async () => {
  await Promise.allSettled(phones.map((p) => p.quit()));
  await Promise.allSettled(sipps.map((s) => s.stop(1000)));
  for (const a of apps) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
  await Promise.allSettled(apps.map((a) => a.exited));
  rmSync(work, { recursive: true, force: true });
});

/** The demo data and a second room, made once (PGlite's migrations take seconds) and copied for each process. */
let template: string;
before(async () => {
  template = join(work, 'template');
  const db = await openDatabase({ dataDir: join(template, 'pglite') });
  try {
    const seed = await seedDemo(db, { now: new Date() });
    await createRepositories(db, { defaultRegion: 'CN' }).rooms.create(seed.accountId, { name: 'drain B', number: ROOM_B.number, chairPin: ROOM_B.chair, guestPin: ROOM_B.guest }, { now: new Date() });
  } finally {
    await db.destroy();
  }
});

/** A copy of the template data folder, and the app on it. */
async function startBridge(name: string, slot: number, drainS: number): Promise<{ app: AppProcess; dataDir: string }> {
  const dataDir = join(work, name);
  cpSync(template, dataDir, { recursive: true });
  const app = startApp({
    BRIDGE_DATA_DIR: dataDir, BRIDGE_SIP_HOST: '127.0.0.1', BRIDGE_SIP_PORT: String(17800 + slot), BRIDGE_WEB_HOST: '127.0.0.1', BRIDGE_WEB_PORT: String(17850 + slot),
    BRIDGE_RTP_HOST: '127.0.0.1', BRIDGE_RTP_PORT_MIN: String(45500 + 80 * slot), BRIDGE_RTP_PORT_MAX: String(45579 + 80 * slot), BRIDGE_MEDIA_WORKERS: '1',
    BRIDGE_DRAIN_S: String(drainS), BRIDGE_DRAIN_RETRY_AFTER_S: String(RETRY_AFTER_S),
  }, { killAfterMs: 90_000 });
  apps.push(app);
  await app.ready();
  return { app, dataDir };
}

function logLines(app: AppProcess): Array<Record<string, unknown>> {
  return app.output().split('\n').flatMap((l) => { try { return [JSON.parse(l) as Record<string, unknown>]; } catch { return []; } });
}
const joined = (app: AppProcess, room: string): number => logLines(app).filter((l) => l.msg === 'joined' && l.room === room).length;

/** A baresip chair that records what it hears, in `room`. */
async function chairIn(app: AppProcess, sipPort: number, room: typeof ROOM_A, slot: number): Promise<Phone> {
  const chair = await Phone.start({ work, name: `chair${slot}`, toneHz: 440 + 100 * slot, sipPort: 17804 + 4 * slot, rtpBase: 45750 + 10 * slot, lifetimeS: 80 });
  phones.push(chair);
  const before = joined(app, room.number);
  await chair.dial(`sip:${ACCESS}@127.0.0.1:${sipPort}`);
  await chair.keys(`${room.number}#${room.chair}#`);
  await waitUntil(() => joined(app, room.number) > before, 25_000, `chair${slot} in room ${room.number}`);
  return chair;
}

/** A silent sipp guest (or chair) in `room` that waits for the bridge's BYE (so the chair's recording holds the prompts alone). */
async function guestIn(app: AppProcess, sipPort: number, room: typeof ROOM_A, slot: number, pin = room.guest): Promise<SippRun> {
  const pcap = join(work, `guest${slot}.pcap`);
  makePcap(pcap, ['silence:0.5', `dtmf:${room.number}#:100:100`, `dtmf:${pin}#:100:100`, 'silence:70']);
  const before = joined(app, room.number);
  const run = startSipp({
    scenario: 'uac-pcap-expect-bye.xml', remote: `127.0.0.1:${sipPort}`, localPort: 17820 + slot, mediaPort: 45800 + 10 * slot,
    service: ACCESS, calls: 1, keys: { pcap }, timeoutS: 80, recvTimeoutMs: 70_000, dir: mkdtempSync(join(work, `guest${slot}-`)),
  });
  sipps.push(run);
  await waitUntil(() => joined(app, room.number) > before, 25_000, `guest${slot} in room ${room.number}`);
  return run;
}

/** Where prompt `id` (en) is in what `phone` heard in [from, to]; epoch ms of its start. */
function heardAt(phone: Phone, id: PromptId, from: number, to: number): { at: number; median: number; windows: number[] } {
  const prompt = readSamples(promptPath(id, 'en'));
  const heard = phone.heard(from, to);
  const m = findInRecording(prompt, heard, Math.max(0, heard.length - prompt.length));
  return { at: from + m.lagMs, median: m.median, windows: m.windows };
}

async function closedLegs(dataDir: string): Promise<Array<{ caller: string; callee: string; answered_at: unknown; ended_at: unknown; q850_cause: number | null; state: string; closed_by_recovery: boolean }>> {
  const db = await openDatabase({ dataDir: join(dataDir, 'pglite') });
  try {
    return await db('call_legs').select('caller', 'callee', 'answered_at', 'ended_at', 'q850_cause', 'state', 'closed_by_recovery');
  } finally {
    await db.destroy();
  }
}

function assertAllClosed(legs: Awaited<ReturnType<typeof closedLegs>>, answered: number): void {
  assert.equal(legs.filter((l) => l.answered_at !== null).length, answered, `answered legs: ${JSON.stringify(legs)}`);
  for (const l of legs) {
    assert.equal(l.state, 'closed', `leg ${l.caller} → ${l.callee} closed`);
    assert.ok(l.ended_at !== null, `leg ${l.caller} has an end time`);
    assert.ok(l.q850_cause !== null, `leg ${l.caller} has a cause`);
    assert.equal(l.closed_by_recovery, false, `leg ${l.caller} closed by the drain, not by a later recovery`);
  }
}

test('SIGTERM with two meetings up: 503 + Retry-After for a new call, goodbye at the drain time, every leg BYE, CDRs closed, exit 0', { timeout: 120_000 }, async () => {
  const SIP = 17800;
  const { app, dataDir } = await startBridge('drain', 0, DRAIN_S);
  // Two meetings: the chairs first (each room opens with its chair), then the silent guests and a caller who stays in the IVR.
  const [chairA, chairB] = await Promise.all([chairIn(app, SIP, ROOM_A, 0), chairIn(app, SIP, ROOM_B, 1)]);
  const inIvr = await Phone.start({ work, name: 'ivr2', toneHz: 700, sipPort: 17812, rtpBase: 45770, lifetimeS: 80 });
  phones.push(inIvr);
  const [guestA, guestB] = await Promise.all([guestIn(app, SIP, ROOM_A, 0), guestIn(app, SIP, ROOM_B, 1), inIvr.dial(`sip:${ACCESS}@127.0.0.1:${SIP}`)]);
  const termAt = Date.now();
  app.child.kill('SIGTERM');
  await waitUntil(() => /"msg":"draining: new calls refused/.test(app.output()), 5000, 'the drain begins');

  // A new call during the drain: 503 with Retry-After.
  const dir503 = mkdtempSync(join(work, 'new-call-'));
  const refused = await startSipp({ scenario: 'uac-expect-503.xml', remote: `127.0.0.1:${SIP}`, localPort: 17825, mediaPort: 45850, service: ACCESS, calls: 1, timeoutS: 20, dir: dir503, extraArgs: ['-trace_msg'] }).done;
  assert.equal(refused.code, 0, refused.summary);
  const trace = readdirSync(dir503).filter((f) => f.endsWith('_messages.log')).map((f) => readFileSync(join(dir503, f), 'utf8')).join('\n');
  assert.match(trace, /SIP\/2\.0 503 Service Unavailable/);
  assert.match(trace, new RegExp(`^Retry-After: ${RETRY_AFTER_S}\\s*$`, 'm'));
  assert.ok(Date.now() - termAt < DRAIN_S * 1000 - 500, 'the 503 came while the meetings were still up');
  assert.equal(chairA.closedAt, 0, 'meeting A goes on during the drain');
  // /readyz says not ready (a balancer sends no more calls here); /healthz still alive.
  const ready = await fetch(`http://127.0.0.1:${17850}/readyz`);
  assert.equal(ready.status, 503);
  assert.match(await ready.text(), /draining/);
  assert.equal((await fetch(`http://127.0.0.1:${17850}/healthz`)).status, 200);

  // The drain time: goodbyes, BYEs, exit 0.
  await Promise.all([chairA.closed(30_000), chairB.closed(30_000), inIvr.closed(30_000)]);
  const [gA, gB] = await Promise.all([guestA.done, guestB.done]);
  assert.equal(gA.code, 0, `guest A got the BYE: ${gA.summary}`);
  assert.equal(gB.code, 0, `guest B got the BYE: ${gB.summary}`);
  const code = await app.exited;
  const exitAt = Date.now();
  assert.equal(code, 0, app.output().slice(-4000));

  const deadline = termAt + DRAIN_S * 1000;
  for (const [name, phone] of [['A', chairA], ['B', chairB]] as const) {
    assert.ok(phone.closedAt >= deadline, `chair ${name} cut ${deadline - phone.closedAt} ms before the drain time`);
    const g = heardAt(phone, 'meeting-ending-goodbye', deadline - 3000, phone.closedAt);
    console.log(`# chair ${name}: goodbye heard ${g.at - deadline} ms after the drain time, BYE ${phone.closedAt - deadline} ms after; windows median ${g.median.toFixed(3)}`);
    assert.ok(g.median > 0.6, `the goodbye in chair ${name}'s recording: windows ${g.windows.map((c) => c.toFixed(2)).join(' ')}`);
    // The recording's clock starts when the test saw CALL_ESTABLISHED (late by up to ~1 s on a loaded machine): −1.5 s … +2.5 s.
    assert.ok(g.at >= deadline - 1500 && g.at <= deadline + 2500, `goodbye at ${g.at - deadline} ms from the drain time`);
  }
  const s = heardAt(inIvr, 'service-unavailable', deadline - 1000, inIvr.closedAt);
  console.log(`# caller in the IVR: service-unavailable heard ${s.at - deadline} ms after the drain time; windows median ${s.median.toFixed(3)}; exit ${exitAt - deadline} ms after`);
  assert.ok(s.median > 0.6, `service-unavailable in the IVR caller's recording: windows ${s.windows.map((c) => c.toFixed(2)).join(' ')}`);
  assert.ok(s.at >= deadline - 1500 && s.at <= deadline + 2500, `service-unavailable at ${s.at - deadline} ms from the drain time`);

  const progress = logLines(app).filter((l) => l.msg === 'draining');
  assert.ok(progress.length >= 1 && typeof progress[0]!.calls === 'number', 'progress logged with the calls left');
  assertAllClosed(await closedLegs(dataDir), 5);
});

test('a second SIGTERM ends every call at once: BYE, CDRs closed, exit 0', { timeout: 90_000 }, async () => {
  const SIP = 17801;
  const { app, dataDir } = await startBridge('forced', 1, 600);
  const chair = await guestIn(app, SIP, ROOM_A, 2, ROOM_A.chair);
  const guest = await guestIn(app, SIP, ROOM_A, 3);
  let byeAt = 0;
  void Promise.all([chair.done, guest.done]).then(() => { byeAt = Date.now(); });
  app.child.kill('SIGTERM');
  await waitUntil(() => /"msg":"draining: new calls refused/.test(app.output()), 5000, 'the drain begins');
  await new Promise((r) => setTimeout(r, 1000)); // the meeting goes on…
  assert.equal(byeAt, 0, 'the meeting goes on after the first signal');
  const secondAt = Date.now();
  app.child.kill('SIGTERM');
  const [c, g] = await Promise.all([chair.done, guest.done]);
  assert.equal(c.code, 0, `the chair got the BYE: ${c.summary}`);
  assert.equal(g.code, 0, `the guest got the BYE: ${g.summary}`);
  const code = await app.exited;
  console.log(`# second SIGTERM: both BYEs answered ${byeAt - secondAt} ms after it, exit after ${Date.now() - secondAt} ms`);
  assert.equal(code, 0, app.output().slice(-4000));
  assert.ok(byeAt - secondAt < 5000, `BYEs ${byeAt - secondAt} ms after the second signal`);
  assertAllClosed(await closedLegs(dataDir), 2);
});

test('the last call ends before the drain time: the process exits at once, 0', { timeout: 60_000 }, async () => {
  const SIP = 17802;
  const { app, dataDir } = await startBridge('idle', 2, 600);
  const pcap = join(work, 'leaver.pcap');
  makePcap(pcap, ['silence:0.5', `dtmf:${ROOM_A.number}#:100:100`, `dtmf:${ROOM_A.chair}#:100:100`, 'silence:20']);
  // sipp hangs up itself 6 s after the answer (it is in the room within ~3 s).
  const leaver = startSipp({ scenario: 'uac-pcap.xml', remote: `127.0.0.1:${SIP}`, localPort: 17828, mediaPort: 45880, service: ACCESS, calls: 1, durationMs: 6000, keys: { pcap }, timeoutS: 40, dir: mkdtempSync(join(work, 'leaver-')) });
  sipps.push(leaver);
  await waitUntil(() => joined(app, ROOM_A.number) > 0, 25_000, 'the caller in the room');
  app.child.kill('SIGTERM');
  const r = await leaver.done;
  const hungUpAt = Date.now();
  assert.equal(r.code, 0, r.summary);
  const code = await app.exited;
  console.log(`# exit ${Date.now() - hungUpAt} ms after the last caller hung up (drain time 600 s)`);
  assert.equal(code, 0, app.output().slice(-4000));
  assert.ok(Date.now() - hungUpAt < 5000, 'exited at once, not at the drain time');
  assertAllClosed(await closedLegs(dataDir), 1);
});
