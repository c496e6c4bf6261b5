// The live seam's volume and mute on the wire: two baresip phones in a room
// on the embedded engine, each sending its own tone; commands through the
// IVR's LiveHost as the web sends them. Talk volume −18 dB on the guest
// lowers its tone at the chair by about 18 dB (median Goertzel power of
// 40 ms blocks in what the chair's phone decoded); listen volume −12 dB on the guest lowers what it
// hears of the chair by about 12 dB; a web mute removes the guest's tone.
// Ports: engine SIP 16090, RTP 47000–47499; phones SIP 16930 and 16940
// (+1 TLS, +2 ctrl), RTP 16950–16959 and 16960–16969.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { listen, Phone } from '../support/ivr-phones.ts';
import { WEB } from '../support/live-events.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 16090;
/** The English access number at the engine's SIP address (drachtio-server's on the FreeSWITCH engine). */
const EN = () => `sip:4008001000@${bridge.engine.sipAddress}`;
const work = mkdtempSync(join(tmpdir(), 'live-volume-'));
let bridge: IvrBridge;
const phones: Phone[] = [];

before(async () => { bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 47000, rtpMax: 47499, workers: 2 }); });
after(async () => {
  await Promise.allSettled(phones.map((p) => p.quit()));
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
});

async function enter(name: string, toneHz: number, slot: number, room: string, pin: string): Promise<Phone> {
  const p = await Phone.start({ work, name, toneHz, sipPort: 16930 + 10 * slot, rtpBase: 16950 + 10 * slot });
  phones.push(p);
  await p.dial(EN());
  await p.keys(`${room}#${pin}#`);
  await waitUntil(() => bridge.ivr.rooms.byNumber(room)?.list().some((v) => v.from === name && v.away === null) ?? false, 20_000, `${name} in room ${room}`);
  return p;
}

test('talk volume −18 dB lowers the guest\'s tone at the chair by about 18 dB, listen volume −12 dB lowers what the guest hears by about 12 dB, a web mute removes the tone', { timeout: 120_000 }, async () => {
  const room = await bridge.repos.rooms.create(bridge.seed.accountId, { name: 'volume', number: '7004001', chairPin: '4321', guestPin: '8765' }, { now: new Date() });
  const chair = await enter('chairV', 440, 0, room.number, '4321');
  const guest = await enter('guestV', 770, 1, room.number, '8765');
  const live = bridge.ivr.rooms.byNumber(room.number)!;
  const guestId = live.list().find((v) => v.from === 'guestV')!.id;
  const command = (c: Parameters<typeof bridge.ivr.live.execute>[2]) => bridge.ivr.live.execute(bridge.seed.accountId, live.conferenceId, c, WEB);
  await new Promise((r) => setTimeout(r, 3500)); // the guest's count prompt ("There are two participants")
  const plain = await listen(3000);
  const talk = await command({ type: 'volume', participantId: guestId, talkDb: -18 });
  assert.equal(talk.participant?.talkDb, -18);
  await new Promise((r) => setTimeout(r, 300));
  const softer = await listen(3000);
  await command({ type: 'volume', participantId: guestId, listenDb: -12 });
  await new Promise((r) => setTimeout(r, 300));
  const quieter = await listen(3000);
  await command({ type: 'mute', participantId: guestId, muted: true });
  await new Promise((r) => setTimeout(r, 300));
  const muted = await listen(3000);
  const c770 = [plain, softer, muted].map(([a, b]) => chair.steadyLevelOf(770, a, b));
  const g440 = [plain, quieter].map(([a, b]) => guest.steadyLevelOf(440, a, b));
  console.log(`# chair hears the guest's 770 Hz: ${c770.map((x) => x.toFixed(1)).join(' / ')} dB (0 dB / talk −18 dB / web mute); the guest hears 440 Hz: ${g440.map((x) => x.toFixed(1)).join(' / ')} dB (0 dB / listen −12 dB)`);
  const drop = c770[0]! - c770[1]!;
  assert.ok(Math.abs(drop - 18) <= 3, `talk −18 dB: the chair hears the guest ${drop.toFixed(1)} dB lower`);
  const heard = g440[0]! - g440[1]!;
  assert.ok(Math.abs(heard - 12) <= 3, `listen −12 dB: the guest hears the chair ${heard.toFixed(1)} dB lower`);
  assert.ok(c770[0]! - c770[2]! > 30, 'a web mute removes the guest\'s tone');
  await chair.hangup();
  await guest.hangup();
  for (const name of ['chairV', 'guestV']) {
    const s = await bridge.call((c) => c.from === name);
    assert.equal((await bridge.cdr(s.cdrId)).state, 'closed');
  }
});
