// DTMF after the answer on the wire, with baresip as the far end reporting
// the keys it received (ctrl_tcp CALL_DTMF_START events): a video meeting
// (a SIP-URI invite with dtmf "123456#,,4321#") gets exactly those keys in
// order with the pause between # and 4, and joins the room without press 1;
// the carrier of a `number*ext` invite gets the extension. Ports: engine SIP
// 19650, RTP 51000–51199; baresip SIP 19660 / 19670, ctrl 19665 / 19675,
// RTP 19680–19699.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LiveEvent, LiveInvite } from '../../core/live/messages.ts';
import { Baresip } from '../support/baresip.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 19650;
const SOURCE = resolve(import.meta.dirname, '../fixtures/audio/speech-en-8k.wav');
const work = mkdtempSync(join(tmpdir(), 'dtmf-far-end-'));
let bridge: IvrBridge;
const fars: Baresip[] = [];
const events: LiveEvent[] = [];
const SYSTEM = { kind: 'system' } as const;
const polls: NodeJS.Timeout[] = [];

before(async () => {
  bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 51000, rtpMax: 51199, workers: 2, config: { callerId: '4008001000' } });
  bridge.ivr.live.subscribe((e) => events.push(e));
});
after(async () => {
  for (const p of polls) clearInterval(p);
  await Promise.allSettled(fars.map((b) => b.quit()));
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
});

const latest = (id: string): LiveInvite | undefined => events.flatMap((e) => (e.type === 'invite' && e.invite.id === id ? [e.invite] : [])).at(-1);

async function farEnd(slot: number, user: string): Promise<{ far: Baresip; keys: Array<{ key: string; at: number }> }> {
  const far = await Baresip.start({ dir: join(work, `far${slot}`), user, sipPort: 19660 + 10 * slot, ctrlPort: 19665 + 10 * slot, rtpPorts: `${19680 + 10 * slot}-${19689 + 10 * slot}`, source: SOURCE });
  fars.push(far);
  const keys: Array<{ key: string; at: number }> = [];
  // The events as they arrive, timed (polled every 10 ms; bounded by the test's timeout and stopped in after()).
  let seen = 0;
  const poll = setInterval(() => {
    for (; seen < far.ctrl.events.length; seen++) {
      const e = far.ctrl.events[seen]!;
      if (e.type === 'CALL_DTMF_START') keys.push({ key: String(e.param), at: performance.now() });
    }
  }, 10);
  polls.push(poll);
  return { far, keys };
}

/** A meeting started by the bridge itself (no caller needed for an invite). */
async function meeting(number: string): Promise<string> {
  const room = await bridge.repos.rooms.create(bridge.seed.accountId, { name: `room ${number}`, number, chairPin: '4321', guestPin: '8765' }, { now: new Date() });
  const account = await bridge.repos.accounts.get(bridge.seed.accountId);
  const live = await bridge.ivr.rooms.open({ room, account, closesAt: new Date(Date.now() + 3_600_000), maxParticipants: 10, multiParty: false, occurrenceStart: null });
  return live.conferenceId;
}

test('a video-meeting link: the far end receives 123456#, a pause, 4321#, and joins without press 1', { timeout: 90_000 }, async () => {
  const { keys } = await farEnd(0, '88001');
  const conferenceId = await meeting('7016501');
  const r = await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite', targets: [{ target: 'sip:88001@127.0.0.1:19660', dtmf: '123456#,,4321#' }] }, SYSTEM);
  const id = r.invites![0]!.id;
  await waitUntil(() => latest(id)?.state === 'joined', 30_000, 'the video meeting joined').catch((err: unknown) => {
    console.log(`# states ${JSON.stringify(events.flatMap((e) => (e.type === 'invite' ? [e.invite.state, e.invite.sipStatus] : [])))} far events ${JSON.stringify(fars[0]!.ctrl.events.map((e) => [e.type, e.param]))}\n${fars[0]!.log.slice(-1500)}`);
    throw err;
  });
  await waitUntil(() => keys.length >= 11, 10_000, 'the far end has every key').catch((err: unknown) => {
    console.log(`# far end events: ${JSON.stringify(fars[0]!.ctrl.events.map((e) => [e.type, e.param]))}\n${fars[0]!.log.slice(-1500)}`);
    throw err;
  });
  await new Promise((res) => setTimeout(res, 1000));
  const got = keys.map((k) => k.key).join('');
  const gap = keys[7]!.at - keys[6]!.at;
  console.log(`# far end received ${got}; # → 4 gap ${gap.toFixed(0)} ms; key gaps ${keys.slice(1).map((k, i) => (k.at - keys[i]!.at).toFixed(0)).join(' ')}`);
  assert.equal(got, '123456#4321#');
  assert.ok(gap >= 950, `the ",," pause is there (${gap.toFixed(0)} ms)`);
});

test('number*ext: the carrier receives the extension after the answer', { timeout: 90_000 }, async () => {
  const { keys } = await farEnd(1, '13900139001');
  const trunk = (await bridge.repos.trunks.list()).find((t) => t.name === 'demo-carrier')!;
  await bridge.repos.trunks.update(trunk.id, { port: 19670 });
  const conferenceId = await meeting('7016502');
  const r = await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite', targets: [{ target: '13900139001*801' }] }, SYSTEM);
  const id = r.invites![0]!.id;
  await waitUntil(() => ['answered', 'no_answer', 'failed'].includes(latest(id)?.state ?? ''), 30_000, 'the carrier answered');
  await waitUntil(() => keys.length >= 3, 10_000, 'the extension').catch((err: unknown) => {
    console.log(`# states ${JSON.stringify(events.flatMap((e) => (e.type === 'invite' ? [e.invite.state, e.invite.sipStatus] : [])))}\n${fars[1]!.log.slice(-800)}`);
    throw err;
  });
  console.log(`# carrier received ${keys.map((k) => k.key).join('')}`);
  assert.equal(keys.map((k) => k.key).join(''), '801');
});
