// Money on the wire (issue 13), sipp as the carrier trunk and a baresip chair
// that records what it hears: an account that cannot pay one increment of the
// destination's rate gets no INVITE on the trunk and the invite ends
// `refused` (Q.850 57); an account whose balance runs out while its chair and
// an answered callee talk hears `balance-low` (found by cross-correlation in
// the chair's recording, balanceWarningMs before the cut), both calls are cut
// with Q.850 57 (the carrier gets the BYE), and the CDRs' costs equal what
// left the balance, to the minor unit.
// Ports: engine SIP 19800, RTP 52000–52199; the chair SIP 19810, RTP
// 19820–19829; sipp 19840–19841, media 19850–19859.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveEvent, LiveInvite } from '../../core/live/messages.ts';
import { promptPath } from '../../ivr/prompts/catalog.ts';
import { findInRecording, readSamples } from '../support/audio-check.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { startUas } from '../support/ivr-calls.ts';
import { Phone } from '../support/ivr-phones.ts';
import { startSipp } from '../support/sipp.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 19800;
const ACCESS = '4008001000'; // the demo's English access number
const CALLEE = '13900139201'; // a domestic mobile: the demo's dial-out rate for it is 12 minor/min in 6 s steps
const WARN_MS = 8000;
const work = mkdtempSync(join(tmpdir(), 'money-wire-'));
const WEB = { kind: 'web', userId: 'wire-user', name: 'Wire' } as const;
let bridge: IvrBridge;
const phones: Phone[] = [];
const events: { at: number; e: LiveEvent }[] = [];

before(async () => {
  bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 52000, rtpMax: 52199, workers: 2, config: { callerId: ACCESS, balanceWarningMs: WARN_MS, inviteConfirmMs: 3000 } });
  bridge.ivr.live.subscribe((e) => events.push({ at: Date.now(), e }));
});
after(async () => {
  await Promise.allSettled(phones.map((p) => p.quit()));
  await bridge?.close();
  rmSync(work, { recursive: true, force: true });
});

const latest = (id: string): LiveInvite | undefined => events.flatMap(({ e }) => (e.type === 'invite' && e.invite.id === id ? [e.invite] : [])).at(-1);
// Earlier calls' CDRs are charged first (the writer coalesces for 50 ms): their costs must not land on the balance set here.
const setBalance = async (minor: number) => { await bridge.cdrs.flush(10_000); await bridge.db('accounts').where({ id: bridge.seed.accountId }).update({ balance_minor: minor }); };
const balance = async () => (await bridge.repos.accounts.get(bridge.seed.accountId)).balanceMinor;
const dialInRate = (perMinute: number, incrementS: number) => bridge.db('rates').where({ direction: 'in' }).update({ per_minute_minor: perMinute, increment_s: incrementS });
const mobileRate = (perMinute: number, incrementS: number) => bridge.db('rates').where({ direction: 'out', destination_class: 'domestic_mobile' }).update({ per_minute_minor: perMinute, increment_s: incrementS });

async function trunkTo(port: number): Promise<void> {
  const trunk = (await bridge.repos.trunks.list()).find((t) => t.name === 'demo-carrier')!;
  await bridge.repos.trunks.update(trunk.id, { port });
}

async function chairIn(number: string, slot: number): Promise<{ chair: Phone; conferenceId: string; roomId: string }> {
  const room = await bridge.repos.rooms.create(bridge.seed.accountId, { name: `money ${number}`, number, chairPin: '4321', guestPin: '8765' }, { now: new Date() });
  const chair = await Phone.start({ work, name: `chair${slot}`, toneHz: 440, sipPort: 19810 + 4 * slot, rtpBase: 19820 + 10 * slot, lifetimeS: 120 });
  phones.push(chair);
  await chair.dial(`sip:${ACCESS}@${bridge.engine.sipAddress}`);
  await chair.keys(`${number}#4321#`);
  await waitUntil(() => bridge.ivr.rooms.byNumber(number)?.list().some((v) => v.from === chair.name) ?? false, 20_000, 'the chair in the room');
  return { chair, conferenceId: bridge.ivr.rooms.byNumber(number)!.conferenceId, roomId: room.id };
}

async function invite(conferenceId: string): Promise<string> {
  const r = await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite', targets: [{ target: CALLEE, name: 'Li Si' }] }, WEB);
  return r.invites![0]!.id;
}

test('a balance below one increment: the invite ends refused (Q.850 57) and the carrier gets no INVITE', { timeout: 90_000 }, async () => {
  await dialInRate(0, 60); // the chair's own leg is free here: only the call out is in question
  await setBalance(1); // one 6 s increment at 12/min costs 2
  const dir = mkdtempSync(join(work, 'refused-'));
  const uas = startSipp({ scenario: 'uas-answer.xml', localPort: 19840, mediaPort: 19850, calls: 1, timeoutS: 60, recvTimeoutMs: 40_000, dir, extraArgs: ['-trace_msg'] });
  await trunkTo(19840);
  const { chair, conferenceId } = await chairIn('7018001', 0);
  const id = await invite(conferenceId);
  await waitUntil(() => latest(id)?.state === 'refused', 10_000, 'refused');
  const row = await bridge.repos.invites.get(bridge.seed.accountId, id);
  assert.deepEqual({ state: row.state, q850: row.q850Cause }, { state: 'refused', q850: 57 });
  await new Promise((r) => setTimeout(r, 2000)); // an INVITE sent late would reach sipp within this
  assert.equal(await balance(), 1, 'nothing charged');
  // The control: the same carrier, once the account can pay, gets the INVITE (answered, then hung up when no 1 is pressed).
  await setBalance(1000);
  const paid = await invite(conferenceId);
  await waitUntil(() => latest(paid)?.state === 'answered', 20_000, 'the paid invite answered');
  const r = await uas.done;
  assert.equal(r.code, 0, r.summary);
  const log = readdirSync(dir).filter((f) => f.endsWith('_messages.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  assert.equal([...log.matchAll(/^INVITE /gm)].length, 1, 'the carrier saw one INVITE: the paid one');
  await chair.hangup();
});

test('the balance runs out mid-call: balance-low heard, the chair and the callee cut with Q.850 57, CDR costs = balance spent', { timeout: 150_000 }, async () => {
  // 1 minor per second on each leg (60/min in 1 s steps), so the cut comes soon and lands between whole seconds.
  await dialInRate(60, 1);
  await mobileRate(60, 1);
  const before = 60;
  await setBalance(before);
  const { chair, conferenceId, roomId } = await chairIn('7018002', 1);
  // The callee presses 1 as the greeting starts, then stays silent: the chair's recording then holds the warning alone.
  const uas = startUas({ localPort: 19841, mediaPort: 19854, toneHz: 1250, seconds: 90, segments: ['silence:2', 'dtmf:1:120:100', 'silence:90'] });
  await trunkTo(19841);
  const id = await invite(conferenceId);
  await waitUntil(() => latest(id)?.state === 'joined', 30_000, 'the callee joined');
  assert.equal(bridge.ivr.rooms.byNumber('7018002')?.size, 2, 'the chair and the callee in the room');

  await chair.closed(90_000);
  const cutAt = chair.closedAt;
  const sipp = await uas.done;
  assert.equal(sipp.result.code, 0, `the carrier's call ends with the bridge's BYE: ${sipp.result.summary}`);
  // balance-low in what the chair heard, WARN_MS before the cut (± 1.5 s).
  const prompt = readSamples(promptPath('balance-low', 'en'));
  const heard = chair.heard(cutAt - WARN_MS - 3000, cutAt);
  const m = findInRecording(prompt, heard, Math.min(heard.length, 5 * 8000));
  const promptAt = cutAt - WARN_MS - 3000 + m.lagMs;
  console.log(`# balance-low heard ${cutAt - promptAt} ms before the cut (configured ${WARN_MS}), correlation ${m.correlation.toFixed(3)}, per-second windows median ${m.median.toFixed(3)}`);
  assert.ok(m.median > 0.6, `balance-low in the chair's recording: windows ${m.windows.map((c) => c.toFixed(2)).join(' ')}`);
  assert.ok(Math.abs(cutAt - promptAt - WARN_MS) <= 1500, `warning ${cutAt - promptAt} ms before the cut`);

  // CDRs: both legs closed and charged; their costs are exactly what left the balance.
  const unchargedLegs = async () => (await bridge.db('call_legs').where({ room_id: roomId }).whereNotNull('answered_at').whereNull('charged_at')).length;
  for (let i = 0; i < 100 && await unchargedLegs() > 0; i++) await new Promise((r) => setTimeout(r, 200)); // ≤ 20 s for the CDR close
  const legs = await bridge.db('call_legs').where({ room_id: roomId }).whereNotNull('answered_at').whereNotNull('charged_at') as { direction: string; billed_seconds: number; cost_minor: string | number; q850_cause: number }[];
  assert.deepEqual(legs.map((l) => l.direction).sort(), ['in', 'out']);
  const spent = legs.reduce((a, l) => a + Number(l.cost_minor), 0);
  const after = await balance();
  console.log(`# legs ${legs.map((l) => `${l.direction} ${l.billed_seconds} s ${l.cost_minor} minor q850 ${l.q850_cause}`).join(', ')}; balance ${before} → ${after}`);
  for (const l of legs) assert.equal(l.q850_cause, 57);
  assert.equal(before - spent, after, 'balance before − CDR costs == balance after');
  assert.ok(after >= 0 && after < 2, `the balance ran down to ${after}, not below zero`);
});
