// PostgreSQL stopped for 60 s under a running bridge (issue 15), all real:
// the product's process (app/main.ts) on a throw-away PostgreSQL, two baresip
// phones in the demo room, sipp for new calls.
//   - The meeting goes on: each phone still hears the other (Goertzel) at the
//     start, the middle and the end of the outage.
//   - New calls while the database is away get 503 Service Unavailable
//     with Retry-After: 30 (Q.850 41) at once — the bridge cannot tell an access number from a
//     wrong number without it, and a caller must not wait in silence; the
//     INVITE is answered within a few seconds (ivr/flows/incoming-call.ts).
//   - A caller in the IVR when it goes (answered, about to type the room
//     number) hears "service unavailable" and is hung up (BYE, Q.850 41)
//     within seconds, instead of waiting in silence.
//   - No CDR is lost: when PostgreSQL returns, every call's row is there —
//     the refused calls' closed with 41, the phones' closed when they hang up.
// Ports: app SIP 17650, web 17690, RTP 41400–41599; phones SIP 17660/17665
// (+1, +2), RTP 41700–41719; sipp SIP 17670–17674, media 41800–41899.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../../core/seed.ts';
import { eventually, legRows, startFaultStack, type FaultStack } from '../support/fault-app.ts';
import { listen, Phone } from '../support/ivr-phones.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { runSipp, startSipp } from '../support/sipp.ts';

const SIP = 17650;
const EN = `sip:4008001000@127.0.0.1:${SIP}`;
const OUTAGE_MS = 60_000;
const work = mkdtempSync(join(tmpdir(), 'fault-pg-'));
let stack: FaultStack;
const phones: Phone[] = [];
let sippPort = 17670;
let sippMedia = 41800;

before(async () => { stack = await startFaultStack({ sip: SIP, web: 17690, rtpMin: 41400, rtpMax: 41599 }); });
after(async () => {
  await Promise.allSettled(phones.map((p) => p.quit()));
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Each phone hears the other's tone well above its own (the mix takes a caller out of its own feed). */
async function bothHeard(a: Phone, b: Phone, when: string): Promise<string> {
  const [from, to] = await listen(3000);
  const ab = a.levelOf(b.toneHz, from, to) - a.levelOf(a.toneHz, from, to);
  const ba = b.levelOf(a.toneHz, from, to) - b.levelOf(b.toneHz, from, to);
  assert.ok(ab > 20 && ba > 20, `${when}: ${a.name} hears ${b.name} ${ab.toFixed(0)} dB over its own tone, ${b.name} hears ${a.name} ${ba.toFixed(0)} dB`);
  return `${when}: ${ab.toFixed(0)}/${ba.toFixed(0)} dB`;
}

/** A new call to the access number while the database is away: 503, and how long it took. */
async function refusedCall(): Promise<number> {
  const t = Date.now();
  const r = await runSipp({ scenario: 'uac-expect-503.xml', remote: `127.0.0.1:${SIP}`, localPort: sippPort++, mediaPort: (sippMedia += 4), service: '4008001000', calls: 1, timeoutS: 30, recvTimeoutMs: 20_000 });
  assert.equal(r.code, 0, r.summary);
  return Date.now() - t;
}

test('PostgreSQL away for 60 s: the meeting goes on (heard), new calls get 503 at once, no CDR lost', { timeout: 240_000 }, async (ctx) => {
  const chair = await Phone.start({ work, name: 'chair', toneHz: 440, sipPort: 17660, rtpBase: 41700, lifetimeS: 150 });
  const guest = await Phone.start({ work, name: 'guest', toneHz: 770, sipPort: 17665, rtpBase: 41710, lifetimeS: 150 });
  phones.push(chair, guest);
  for (const [p, pin] of [[chair, DEMO.room.chairPin], [guest, DEMO.room.guestPin]] as const) {
    await p.dial(EN);
    await p.keys(`${DEMO.room.number}#${pin}#`);
  }
  await eventually(async () => (await legRows(stack.db)).filter((l) => l.state === 'open' && l.role !== null).length === 2, 30_000, 'both phones in the room');
  await new Promise((r) => setTimeout(r, 4000)); // the join prompts ("there are two participants")
  const levels = [await bothHeard(chair, guest, 'before')];

  // A caller answered and in the welcome when the database goes; it types the room number 6 s after the answer.
  const pcap = join(work, 'mid-ivr.pcap');
  makePcap(pcap, ['silence:6', `dtmf:${DEMO.room.number}#:100:100`, 'silence:40']);
  const midIvr = startSipp({ scenario: 'uac-pcap-expect-bye.xml', remote: `127.0.0.1:${SIP}`, localPort: sippPort++, mediaPort: (sippMedia += 4), service: '4008001000', calls: 1, keys: { pcap }, timeoutS: 60, recvTimeoutMs: 45_000 });
  await new Promise((r) => setTimeout(r, 2500));
  await stack.pg.stop();
  const down = Date.now();
  const refusedMs = [await refusedCall()];
  const mid = await midIvr.done;
  const midByeMs = Date.now() - down;
  assert.equal(mid.code, 0, `the caller in the IVR got its BYE: ${mid.summary}`);
  assert.ok(midByeMs < 20_000, `the caller in the IVR was let go ${midByeMs} ms after the database went`);
  assert.match(stack.app.output(), /"outcome":"failed"/, 'its flow failed and it was told (goodbye), not left waiting');
  levels.push(await bothHeard(chair, guest, 'outage +' + Math.round((Date.now() - down) / 1000) + ' s'));
  await new Promise((r) => setTimeout(r, Math.max(0, down + OUTAGE_MS / 2 - Date.now())));
  refusedMs.push(await refusedCall());
  levels.push(await bothHeard(chair, guest, 'outage +' + Math.round((Date.now() - down) / 1000) + ' s'));
  await new Promise((r) => setTimeout(r, Math.max(0, down + OUTAGE_MS - 4000 - Date.now())));
  levels.push(await bothHeard(chair, guest, 'outage +' + Math.round((Date.now() - down) / 1000) + ' s'));
  assert.ok(refusedMs.every((ms) => ms < 8000), `503 within 8 s: ${refusedMs.join(', ')} ms`);
  assert.equal(stack.app.child.exitCode, null, `the bridge is up:\n${stack.app.output().slice(-3000)}`);

  await stack.pg.start();
  const up = Date.now();
  levels.push(await bothHeard(chair, guest, 'after'));
  await chair.hangup();
  await guest.hangup();
  // Every call's CDR: 2 phones closed normally; the caller cut off in the IVR and 2 refused calls closed with 41.
  const rows = await eventually(async () => {
    const all = await legRows(stack.db);
    return all.length === 5 && all.every((l) => l.state === 'closed') ? all : undefined;
  }, 30_000, 'five closed CDRs');
  const catchUpMs = Date.now() - up;
  assert.deepEqual(rows.filter((l) => l.role !== null).map((l) => [l.role, l.q850_cause, l.closed_by_recovery]).sort(), [['chair', 16, false], ['guest', 16, false]]);
  assert.deepEqual(rows.filter((l) => l.role === null).map((l) => l.q850_cause), [41, 41, 41]);
  ctx.diagnostic(`heard (each over its own tone): ${levels.join('; ')}`);
  ctx.diagnostic(`the caller in the IVR let go ${midByeMs} ms after the database went; 503 to new calls in ${refusedMs.join(', ')} ms; CDRs all in the database ${catchUpMs} ms after PostgreSQL returned`);
});
