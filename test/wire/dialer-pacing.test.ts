// Trunk pacing on the wire (issue 13): 200 web invites at once on a trunk
// limited to 5 calls/s and 20 concurrent, with sipp as the carrier (each
// call rings 500 ms, is answered, and the callee hangs up 4.5 s later).
// From sipp's own log (its clock, INVITE received → the BYE's 200): never
// more than 5 INVITEs in any 1 s window, never more than 20 calls up at
// once, and the last INVITE within 10 % of the ideal time — a schedule that
// uses both limits perfectly with the durations the calls really had.
// Ports: engine SIP 19500, RTP 50000–50499; phone SIP 19510 (+1, +2),
// RTP 19520–19529; sipp 19540, media 19550.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { Phone } from '../support/ivr-phones.ts';
import { startSipp } from '../support/sipp.ts';
import { waitForPort, waitUntil } from '../support/ports.ts';

const SIP_PORT = 19500;
const CALLS = 200;
const CPS = 5;
const CONCURRENT = 20;
const work = mkdtempSync(join(tmpdir(), 'dialer-pacing-'));
let bridge: IvrBridge;
let phone: Phone | undefined;

before(async () => { bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 50000, rtpMax: 50499, workers: 2, config: { callerId: '4008001000' } }); });
after(async () => {
  await phone?.quit();
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
});

interface Call { start: number; end: number }

function calls(dir: string): Call[] {
  const text = readdirSync(dir).filter((f) => f.endsWith('_logs.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  const byId = new Map<string, Partial<Call>>();
  for (const m of text.matchAll(/^([IE]) (\d+) (\S+)/gm)) {
    const c = byId.get(m[3]!) ?? {};
    if (m[1] === 'I') c.start = Number(m[2]); else c.end = Number(m[2]);
    byId.set(m[3]!, c);
  }
  return [...byId.values()].filter((c): c is Call => c.start !== undefined && c.end !== undefined).sort((a, b) => a.start - b.start);
}

/** When the last call would start if every call started as early as both limits allow, with the same durations. */
function idealLastStart(cs: readonly Call[]): number {
  const ends: number[] = [];
  let t = 0;
  for (const [i, c] of cs.entries()) {
    let s = i === 0 ? 0 : t + 1000 / CPS;
    if (ends.length >= CONCURRENT) {
      ends.sort((a, b) => a - b);
      s = Math.max(s, ends.shift()!);
    }
    ends.push(s + (c.end - c.start));
    t = s;
  }
  return t;
}

test(`${CALLS} invites on a trunk limited to ${CPS} calls/s and ${CONCURRENT} at once: never over either, within 10 % of the ideal time`, { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(work, 'sipp-'));
  const uas = startSipp({ scenario: 'uas-pace.xml', localPort: 19540, mediaPort: 19550, calls: CALLS, durationMs: 4500, timeoutS: 170, extraArgs: ['-trace_logs'], dir });
  await waitForPort(19540);
  const trunk = (await bridge.repos.trunks.list()).find((t) => t.name === 'demo-carrier')!;
  await bridge.repos.trunks.update(trunk.id, { port: 19540, maxConcurrent: CONCURRENT, maxCallsPerSecond: CPS });
  await bridge.repos.rooms.create(bridge.seed.accountId, { name: 'pacing', number: '7019501', chairPin: '4321', guestPin: '8765' }, { now: new Date() });
  phone = await Phone.start({ work, name: 'chairP', toneHz: 440, sipPort: 19510, rtpBase: 19520, lifetimeS: 170 });
  await phone.dial(`sip:4008001000@127.0.0.1:${SIP_PORT}`);
  await phone.keys('7019501#4321#');
  await waitUntil(() => bridge.ivr.rooms.byNumber('7019501')?.list().some((v) => v.from === 'chairP') ?? false, 20_000, 'the chair in the room');
  const conferenceId = bridge.ivr.rooms.byNumber('7019501')!.conferenceId;
  const targets = Array.from({ length: CALLS }, (_, i) => ({ target: `139${String(20_000_000 + i)}` }));
  const r = await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite', targets }, { kind: 'web', userId: 'wire', name: 'Wire' });
  assert.equal(r.invites!.length, CALLS);
  const u = await uas.done;
  assert.equal(u.code, 0, u.summary);
  const cs = calls(dir);
  assert.equal(cs.length, CALLS, 'sipp logged every call');
  let maxWindow = 0;
  for (const [i, c] of cs.entries()) maxWindow = Math.max(maxWindow, cs.slice(i).filter((x) => x.start < c.start + 1000).length);
  let maxUp = 0;
  for (const c of cs) maxUp = Math.max(maxUp, cs.filter((x) => x.start <= c.start && x.end > c.start).length);
  const actual = cs.at(-1)!.start - cs[0]!.start;
  const ideal = idealLastStart(cs);
  console.log(`# ${CALLS} invites: at most ${maxWindow} INVITEs in 1 s (limit ${CPS}), at most ${maxUp} calls up (limit ${CONCURRENT}); last INVITE after ${(actual / 1000).toFixed(1)} s, ideal ${(ideal / 1000).toFixed(1)} s (+${((actual / ideal - 1) * 100).toFixed(1)} %)`);
  assert.ok(maxWindow <= CPS, `${maxWindow} INVITEs within one second`);
  assert.ok(maxUp <= CONCURRENT, `${maxUp} calls up at once`);
  assert.ok(actual <= ideal * 1.1, `${actual} ms against an ideal of ${ideal} ms`);
  await waitUntil(() => (bridge.ivr.rooms.byNumber('7019501')?.list().length ?? 0) === 1, 10_000, 'no invitee left in the room');
  await phone.hangup();
});
