// Toll fraud on the wire (issue 21), sipp as the carrier trunk and baresip
// phones that record what they hear: a guest's *6 in a room that keeps
// invites to chairs hears invite-chair-only; a chair's *6 to an international
// number on an account without international, and to a blocked premium
// prefix on an account with it, hears dial-out-refused; web invites stop at
// the account's daily cap (the (N+1)th refused). The carrier gets exactly the
// N calls that were allowed; every refusal is an audit row and a conference
// event with its reason.
// Ports: engine SIP 19860, RTP 52200–52399; phones SIP 19870–19879, RTP
// 19880–19899; sipp 19865, media 52500–52509.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveEvent, LiveInvite } from '../../core/live/messages.ts';
import { promptPath, type PromptId } from '../../ivr/prompts/catalog.ts';
import { findInRecording, readSamples } from '../support/audio-check.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { Phone } from '../support/ivr-phones.ts';
import { startSipp, type SippRun } from '../support/sipp.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 19860;
const ACCESS = '4008001000'; // English
const ROOM = '7019001';
const ALLOWED = 2; // web invites the daily cap lets through
const work = mkdtempSync(join(tmpdir(), 'toll-fraud-'));
const WEB = { kind: 'web', userId: 'wire-user', name: 'Wire' } as const;
let bridge: IvrBridge;
let chair: Phone;
let guest: Phone;
let carrier: SippRun;
let carrierDir: string;
let conferenceId: string;
const events: LiveEvent[] = [];

before(async () => {
  bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 52200, rtpMax: 52399, workers: 2, config: { callerId: ACCESS, inviteConfirmMs: 1500 } });
  bridge.ivr.live.subscribe((e) => events.push(e));
  // The carrier answers exactly the calls the account may place (the web invites under the cap); any other INVITE fails the count.
  carrierDir = mkdtempSync(join(work, 'carrier-'));
  carrier = startSipp({ scenario: 'uas-answer.xml', localPort: 19865, mediaPort: 52500, calls: ALLOWED, timeoutS: 150, recvTimeoutMs: 140_000, dir: carrierDir, extraArgs: ['-trace_msg'] });
  const trunk = (await bridge.repos.trunks.list()).find((t) => t.name === 'demo-carrier')!;
  await bridge.repos.trunks.update(trunk.id, { port: 19865 });
  // New accounts may not call abroad: the demo seed allowed it, this test starts from the default.
  await bridge.repos.dialOut.setPolicy(bridge.seed.accountId, { classes: ['domestic_fixed', 'domestic_mobile'], dailyCapMinor: null });
  await bridge.repos.rooms.create(bridge.seed.accountId, { name: 'toll fraud', number: ROOM, chairPin: '4321', guestPin: '8765' }, { now: new Date() });
  chair = await Phone.start({ work, name: 'chair', toneHz: 440, sipPort: 19870, rtpBase: 19880, lifetimeS: 150 });
  guest = await Phone.start({ work, name: 'guest', toneHz: 770, sipPort: 19874, rtpBase: 19890, lifetimeS: 150 });
  for (const [p, pin] of [[chair, '4321'], [guest, '8765']] as const) {
    await p.dial(`sip:${ACCESS}@${bridge.engine.sipAddress}`);
    await p.keys(`${ROOM}#${pin}#`);
    await waitUntil(() => bridge.ivr.rooms.byNumber(ROOM)?.list().some((v) => v.from === p.name) ?? false, 20_000, `${p.name} in the room`);
  }
  conferenceId = bridge.ivr.rooms.byNumber(ROOM)!.conferenceId;
});
after(async () => {
  await Promise.allSettled([chair?.quit(), guest?.quit(), carrier?.stop(500)]);
  await bridge?.close();
  rmSync(work, { recursive: true, force: true });
});

/**
 * Where `prompt` is best found in what `p` heard since `fromMs` (epoch), and
 * how well: the median of per-second window correlations from there (a busy
 * machine's jitter buffer may drop a frame and shift the rest by 20 ms).
 */
function find(p: Phone, prompt: PromptId, fromMs: number): { correlation: number; atMs: number } {
  const ref = readSamples(promptPath(prompt, 'en'));
  const heard = p.heard(fromMs, Date.now());
  const f = findInRecording(ref, heard, Math.max(0, heard.length - ref.length));
  return { correlation: f.median, atMs: fromMs + f.lagMs };
}

async function refusals(): Promise<Array<{ reason: string; target: string }>> {
  const rows = await bridge.repos.audit.list(bridge.seed.accountId, { action: 'dial_out.refused' });
  return rows.map((r) => ({ reason: String(r.data.reason), target: String(r.data.target) }));
}

async function starSix(p: Phone, number: string | null, prompt: PromptId, reason: string): Promise<void> {
  const before = (await refusals()).length;
  const from = Date.now();
  await p.keys('*6');
  if (number !== null) {
    await new Promise((r) => setTimeout(r, 1500)); // "enter the number" starts; the digits cut it short
    await p.keys(`${number}#`);
  }
  for (let i = 0; i < 100 && (await refusals()).length === before; i++) await new Promise((r) => setTimeout(r, 100)); // ≤ 10 s
  await new Promise((r) => setTimeout(r, 4500)); // the prompt plays out
  const m = find(p, prompt, from);
  console.log(`# ${p.name} *6 ${number ?? ''}: ${prompt} at +${Math.round(m.atMs - from)} ms, correlation ${m.correlation.toFixed(3)}`);
  assert.ok(m.correlation > 0.6, `${p.name} heard ${prompt}: correlation ${m.correlation.toFixed(3)}`);
  const all = await refusals();
  assert.equal(all.length, before + 1, 'one refusal recorded');
  assert.equal(all[0]!.reason, reason);
}

test('a guest\'s *6 in a room that keeps invites to chairs: "only the chair can invite", nothing dialled', { timeout: 60_000 }, async () => {
  // The guest hears the prompt over the meeting: the chair (a 440 Hz tone) is muted meanwhile so that the prompt can be compared.
  const chairId = bridge.ivr.rooms.byNumber(ROOM)!.list().find((v) => v.from === 'chair')!.id;
  const mute = (muted: boolean) => bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'mute', participantId: chairId, muted }, WEB);
  await mute(true);
  try {
    await starSix(guest, null, 'invite-chair-only', 'guest');
  } finally {
    await mute(false);
  }
});

test('a chair\'s *6 to an international number on an account without international: "this number cannot be called"', { timeout: 60_000 }, async () => {
  await starSix(chair, '0014155550123', 'dial-out-refused', 'class');
});

test('a blocked premium prefix (UK 4490) is refused even where international is allowed', { timeout: 60_000 }, async () => {
  await bridge.repos.dialOut.setPolicy(bridge.seed.accountId, { classes: ['domestic_fixed', 'domestic_mobile', 'international'] });
  await new Promise((r) => setTimeout(r, 5200)); // the IVR's policy cache (5 s)
  await starSix(chair, '00449012345678', 'dial-out-refused', 'blocked');
});

test('the daily cap: the web invites under it reach the carrier, the next one is refused (refused, Q.850 63) and alerts the owner', { timeout: 90_000 }, async () => {
  // Each answered invite (under a minute) costs one increment of 60 minor; the cap is what ALLOWED of them cost.
  await bridge.db('rates').where({ direction: 'out', destination_class: 'domestic_mobile' }).update({ per_minute_minor: 60, increment_s: 60 });
  await bridge.repos.dialOut.setPolicy(bridge.seed.accountId, { dailyCapMinor: 60 * ALLOWED });
  await new Promise((r) => setTimeout(r, 5200));
  const latest = (id: string): LiveInvite | undefined => events.flatMap((e) => (e.type === 'invite' && e.invite.id === id ? [e.invite] : [])).at(-1);
  for (let i = 1; i <= ALLOWED + 1; i++) {
    const r = await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite', targets: [{ target: `1390013930${i}` }] }, WEB);
    const id = r.invites![0]!.id;
    await waitUntil(() => ['no_answer', 'refused', 'failed', 'rejected'].includes(latest(id)?.state ?? ''), 30_000, `invite ${i} ended`);
    const row = await bridge.repos.invites.get(bridge.seed.accountId, id);
    if (i <= ALLOWED) {
      assert.equal(row.state, 'no_answer', `invite ${i} was placed and answered (no 1 pressed): ${row.state}`);
      // Its CDR is charged before the next invite is judged.
      for (let k = 0; k < 50; k++) {
        const spent = await bridge.repos.dialOut.spentSince(bridge.seed.accountId, new Date(Date.now() - 3_600_000));
        if (spent >= 60 * i) break;
        await new Promise((res) => setTimeout(res, 200));
      }
    } else {
      assert.deepEqual({ state: row.state, q850: row.q850Cause }, { state: 'refused', q850: 63 });
    }
  }
  const all = await refusals();
  assert.equal(all[0]!.reason, 'daily_cap');
  const alerts = await bridge.repos.alerts.listOpen(bridge.seed.accountId);
  assert.ok(alerts.some((a) => a.kind === 'dial_out' && a.data.reason === 'daily_cap'), 'the owner\'s alert');
  assert.ok(events.some((e) => e.type === 'dial-out-refused' && e.reason === 'daily_cap' && e.alertId !== null), 'the live event with its alert');
  const kinds = await bridge.db('conference_events').where({ conference_id: conferenceId, kind: 'dial_out_refused' }).select('data') as { data: { reason: string } }[];
  assert.deepEqual(kinds.map((k) => k.data.reason).sort(), ['blocked', 'class', 'daily_cap', 'guest']);

  const r = await carrier.done;
  assert.equal(r.code, 0, r.summary);
  const log = readdirSync(carrierDir).filter((f) => f.endsWith('_messages.log')).map((f) => readFileSync(join(carrierDir, f), 'utf8')).join('\n');
  const invites = [...log.matchAll(/^INVITE (\S+)/gm)].map((m) => m[1]!);
  console.log(`# the carrier received ${invites.length} INVITEs: ${invites.join(', ')}`);
  assert.equal(invites.length, ALLOWED, 'the carrier received only the allowed calls');
});
