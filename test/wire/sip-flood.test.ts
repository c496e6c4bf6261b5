// A flood from one address while real callers meet: sipp sends INVITEs at
// 2,000/s from 127.0.0.2 for 10 s (to an unknown number, every final response
// ACKed) against the product's process (app/main.ts as a child, default
// limits: 20 new requests/s per source, burst 40, stateless 503 over it).
// Meanwhile two baresip phones from 127.0.0.1 — not a carrier address, so
// they live under the same per-source limit as the flood, in their own bucket
// — dial the English access number, enter the demo room (chair and guest
// PIN) and each hears the other's tone (Goertzel). The process stays up; its
// RSS is read from /proc before, during (peak) and after the flood, and must
// come back within FLOOD_RSS_MARGIN_MIB of where it was (bounded wait).
// Ports: bridge SIP 17610, web 17640, RTP 38100–38499; sipp 17620 on
// 127.0.0.2; phones SIP 17630–17636, RTP 38500–38519.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../../core/seed.ts';
import { startApp, type AppProcess } from '../support/app-process.ts';
import { Phone, listen } from '../support/ivr-phones.ts';
import { startSipp } from '../support/sipp.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 17610;
const EN = `sip:4008001000@127.0.0.1:${SIP_PORT}`;
const RATE = 2000;
const FLOOD_S = 10;
/** How far above its pre-flood RSS the process may stay once the flood is over. */
const FLOOD_RSS_MARGIN_MIB = 40;
const work = mkdtempSync(join(tmpdir(), 'sip-flood-'));
let app: AppProcess;
const phones: Phone[] = [];

before(async () => {
  app = startApp({
    BRIDGE_DATA_DIR: join(work, 'data'), DATABASE_URL: '', BRIDGE_SEED_DEMO: 'true',
    BRIDGE_SIP_HOST: '127.0.0.1', BRIDGE_SIP_PORT: String(SIP_PORT), BRIDGE_SIP_TRANSPORTS: 'udp',
    BRIDGE_RTP_HOST: '127.0.0.1', BRIDGE_RTP_PORT_MIN: '38100', BRIDGE_RTP_PORT_MAX: '38499', BRIDGE_MEDIA_WORKERS: '1',
    BRIDGE_WEB_HOST: '127.0.0.1', BRIDGE_WEB_PORT: '17640',
  }, { killAfterMs: 120_000 });
  await app.ready(40_000);
});
after(async () => {
  await Promise.allSettled(phones.map((p) => p.quit()));
  const code = await app?.stop();
  console.log(`# the bridge exited with ${code}`);
  rmSync(work, { recursive: true, force: true });
});

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error('no VmRSS');
  return Number(m[1]) / 1024;
}

/** "503 <---------- 12345 …" lines of sipp's screen: responses received by status, and INVITEs sent (with retransmissions). */
function screenCounts(screen: string): { invites: number; retrans: number; responses: Record<string, number> } {
  const responses: Record<string, number> = {};
  let invites = 0; let retrans = 0;
  for (const line of screen.split('\n')) {
    const r = /^\s*(\d{3}) <-+\s+(?:E-RTD\d\s+)?(\d+)/.exec(line);
    if (r) responses[r[1]!] = Math.max(responses[r[1]!] ?? 0, Number(r[2]));
    const i = /^\s*INVITE -+>\s+(\d+)\s+(\d+)/.exec(line);
    if (i) { invites = Math.max(invites, Number(i[1])); retrans = Math.max(retrans, Number(i[2])); }
  }
  return { invites, retrans, responses };
}

test(`${RATE} INVITEs/s from 127.0.0.2 for ${FLOOD_S} s: callers from 127.0.0.1 still meet and hear each other; memory comes back`, { timeout: 150_000 }, async () => {
  const pid = app.child.pid!;
  const before = rssMiB(pid);
  let peak = before;
  const sampler = setInterval(() => { try { peak = Math.max(peak, rssMiB(pid)); } catch { /* exited: asserted below */ } }, 100);
  const chair = await Phone.start({ work, name: 'chair', toneHz: 440, sipPort: 17630, rtpBase: 38500, lifetimeS: 60 });
  const guest = await Phone.start({ work, name: 'guest', toneHz: 770, sipPort: 17634, rtpBase: 38510, lifetimeS: 60 });
  phones.push(chair, guest);
  const t0 = Date.now();
  const dir = join(work, 'sipp');
  mkdirSync(dir);
  const flood = startSipp({
    dir, scenario: 'flood-invite.xml', remote: `127.0.0.1:${SIP_PORT}`, localIp: '127.0.0.2', localPort: 17620, service: 'flood',
    calls: RATE * FLOOD_S, rate: RATE, limit: 5000, timeoutS: FLOOD_S + 15, recvTimeoutMs: 5000,
    extraArgs: ['-rp', '1000', '-default_behaviors', 'all,-abortunexp'],
  });
  let floodEnd = 0;
  void flood.done.then(() => { floodEnd = Date.now(); });
  try {
    await new Promise((r) => setTimeout(r, 500)); // the flood is on
    await Promise.all([chair.dial(EN), guest.dial(EN)]);
    await Promise.all([chair.keys(`${DEMO.room.number}#${DEMO.room.chairPin}#`), guest.keys(`${DEMO.room.number}#${DEMO.room.guestPin}#`)]);
    await waitUntil(() => (app.output().match(/"msg":"joined"/g) ?? []).length >= 2, 20_000, 'both callers in the room');
    const joinedAfterS = (Date.now() - t0) / 1000;
    assert.equal(floodEnd, 0, 'the callers joined while the flood was on');
    await new Promise((r) => setTimeout(r, 2000)); // the guest's count prompt
    const [a, b] = await listen(2500);
    const chairHears = chair.levelOf(770, a, b) - chair.levelOf(1250, a, b);
    const guestHears = guest.levelOf(440, a, b) - guest.levelOf(1250, a, b);
    console.log(`# callers joined ${joinedAfterS.toFixed(1)} s into the flood; chair hears 770 Hz ${chairHears.toFixed(0)} dB, guest hears 440 Hz ${guestHears.toFixed(0)} dB above an absent 1250 Hz (window ${((a - t0) / 1000).toFixed(1)}–${((b - t0) / 1000).toFixed(1)} s)`);
    console.log(`# the listening window ${floodEnd === 0 || floodEnd > b ? 'ended while the flood was still on' : `ended ${((b - floodEnd) / 1000).toFixed(1)} s after the flood`}`);
    assert.ok(chairHears > 30, 'the chair hears the guest');
    assert.ok(guestHears > 30, 'the guest hears the chair');
    await Promise.all([chair.hangup(), guest.hangup()]);
  } finally {
    await flood.done;
    clearInterval(sampler);
  }
  const r = await flood.done;
  const floodS = (Date.now() - t0) / 1000;
  const screen = readdirSync(dir).filter((f) => f.endsWith('_screen.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  const counts = screenCounts(screen);
  assert.equal(app.child.exitCode, null, 'the bridge is still up');
  // Memory: back within the margin once the flood's transactions (Timer H/J: 64·T1 = 32 s after the
  // last of them) and their garbage are gone — so up to 60 s after the flood (25 s was too short once).
  let after = rssMiB(pid);
  const deadline = Date.now() + 60_000;
  while (after > before + FLOOD_RSS_MARGIN_MIB && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 500));
    after = rssMiB(pid);
  }
  const limitedLines = (app.output().match(/over the per-source limit/g) ?? []).length;
  console.log(`# flood: sipp sent ${counts.invites} INVITEs (+${counts.retrans} retransmissions) in ${floodS.toFixed(1)} s ` +
    `(asked ${RATE}/s, reached ${(counts.invites / FLOOD_S).toFixed(0)}/s); responses ${JSON.stringify(counts.responses)}; ` +
    `sipp ${r.successful} ok / ${r.failed} failed; limit log lines ${limitedLines}`);
  console.log(`# RSS: before ${before.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB, after ${after.toFixed(0)} MiB (margin ${FLOOD_RSS_MARGIN_MIB} MiB)`);
  assert.ok(counts.invites > 0, r.summary);
  assert.ok((counts.responses['503'] ?? 0) > counts.invites / 2, 'most of the flood was answered 503');
  assert.ok(limitedLines >= 1 && limitedLines <= 3, `logged once per period, not per packet (${limitedLines} lines)`);
  assert.ok(after <= before + FLOOD_RSS_MARGIN_MIB, `RSS ${after.toFixed(0)} MiB vs ${before.toFixed(0)} MiB before`);
});
