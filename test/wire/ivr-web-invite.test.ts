// Invites from the web (the live seam's `invite` command) on the wire, with
// sipp as the carrier trunk (the demo trunk 'demo-carrier' pointed at it):
// answered → the callee presses 1 → in the room, heard by a caller there
// (Goertzel on what the baresip phone recorded); and 486 → 'busy' with the
// SIP status on the row. Ports: engine SIP 19000, RTP 49000–49499; phones
// SIP 19100–19199, RTP 19200–19299; sipp 19300–19309, media 19320–19399.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveEvent, LiveInvite } from '../../core/live/messages.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { startUas } from '../support/ivr-calls.ts';
import { listen, Phone } from '../support/ivr-phones.ts';
import { startSipp } from '../support/sipp.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 19000;
/** The English access number at the engine's SIP address (drachtio-server's on the FreeSWITCH engine). */
const EN = () => `sip:4008001000@${bridge.engine.sipAddress}`;
const work = mkdtempSync(join(tmpdir(), 'ivr-web-invite-'));
let bridge: IvrBridge;
const phones: Phone[] = [];
const events: LiveEvent[] = [];
const WEB = { kind: 'web', userId: 'wire-user', name: 'Wire' } as const;

before(async () => {
  bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 49000, rtpMax: 49499, workers: 2, config: { callerId: '4008001000' } });
  bridge.ivr.live.subscribe((e) => events.push(e));
});
after(async () => {
  await Promise.allSettled(phones.map((p) => p.quit()));
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
});

async function trunkTo(port: number): Promise<void> {
  const trunk = (await bridge.repos.trunks.list()).find((t) => t.name === 'demo-carrier')!;
  await bridge.repos.trunks.update(trunk.id, { port });
}

const latest = (id: string): LiveInvite | undefined => events.flatMap((e) => (e.type === 'invite' && e.invite.id === id ? [e.invite] : [])).at(-1);
const states = (id: string) => events.flatMap((e) => (e.type === 'invite' && e.invite.id === id ? [e.invite.state] : []));

async function chairIn(number: string, slot: number): Promise<{ chair: Phone; conferenceId: string }> {
  await bridge.repos.rooms.create(bridge.seed.accountId, { name: `room ${number}`, number, chairPin: '4321', guestPin: '8765' }, { now: new Date() });
  const chair = await Phone.start({ work, name: `chair${slot}`, toneHz: 440, sipPort: 19100 + 10 * slot, rtpBase: 19200 + 10 * slot });
  phones.push(chair);
  await chair.dial(EN());
  await chair.keys(`${number}#4321#`);
  await waitUntil(() => bridge.ivr.rooms.byNumber(number)?.list().some((v) => v.from === chair.name) ?? false, 20_000, 'the chair in the room');
  return { chair, conferenceId: bridge.ivr.rooms.byNumber(number)!.conferenceId };
}

test('a web invite answered: the callee hears the room, presses 1, joins as a guest and the room hears them', { timeout: 120_000 }, async () => {
  const number = '7013001';
  // The callee: 2 s of silence (the greeting starts), then 1, then a 1250 Hz tone.
  const uas = startUas({ localPort: 19300, mediaPort: 19320, toneHz: 1250, seconds: 40, segments: ['silence:2', 'dtmf:1:120:100', 'tone:1250:40'] });
  await trunkTo(19300);
  const { chair, conferenceId } = await chairIn(number, 0);
  await new Promise((r) => setTimeout(r, 1500)); // the chair's own prompts
  const before = await listen(2500);
  const r = await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite', targets: [{ target: '13900139001', name: 'Wire callee' }] }, WEB);
  const id = r.invites![0]!.id;
  await waitUntil(() => latest(id)?.state === 'joined', 30_000, 'the invite joined');
  assert.deepEqual(states(id), ['queued', 'calling', 'ringing', 'answered', 'joined']);
  const room = bridge.ivr.rooms.byNumber(number)!;
  const invitee = room.list().find((v) => v.id === latest(id)!.participantId);
  assert.deepEqual({ kind: invitee?.kind, role: invitee?.role }, { kind: 'invitee', role: 'guest' });
  await new Promise((r2) => setTimeout(r2, 3000)); // the invitee's count prompt
  const during = await listen(3000);
  const heardBefore = chair.levelOf(1250, before[0], before[1]);
  const heardIn = chair.levelOf(1250, during[0], during[1]);
  console.log(`# the chair hears 1250 Hz at ${heardBefore.toFixed(0)} dB before the invite, ${heardIn.toFixed(0)} dB once the callee joined`);
  assert.ok(heardIn - heardBefore > 30, 'the room hears the invitee');
  const rows = await bridge.repos.invites.history(bridge.seed.accountId, id);
  assert.deepEqual(rows.map((h) => h.state), ['queued', 'calling', 'ringing', 'answered', 'joined']);
  await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'remove', participantId: invitee!.id }, WEB);
  const u = await uas.done;
  assert.equal(u.result.code, 0, u.result.summary);
  await waitUntil(() => latest(id)?.state === 'ended', 10_000, 'the invite ended');
  await chair.hangup();
});

test('a web invite to a busy number: 486 → busy, SIP status and Q.850 on the row', { timeout: 60_000 }, async () => {
  const number = '7013002';
  const busy = startSipp({ scenario: 'uas-busy.xml', localPort: 19301, mediaPort: 19340, calls: 1, timeoutS: 40, recvTimeoutMs: 30_000, dir: mkdtempSync(join(work, 'busy-')) });
  await trunkTo(19301);
  const { chair, conferenceId } = await chairIn(number, 1);
  const r = await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite', targets: [{ target: '13900139002' }] }, WEB);
  const id = r.invites![0]!.id;
  await waitUntil(() => latest(id)?.state === 'busy', 20_000, 'busy');
  const row = await bridge.repos.invites.get(bridge.seed.accountId, id);
  assert.deepEqual({ state: row.state, sip: row.sipStatus, q850: row.q850Cause }, { state: 'busy', sip: 486, q850: 17 });
  const b = await busy.done;
  assert.equal(b.code, 0, b.summary);
  await chair.hangup();
});
