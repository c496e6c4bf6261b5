// The end of a room's window (SPEC §2.7) and name announcements (§2.5), on
// the wire. The end-of-window clock runs with a one-second "minute"
// (config minuteMs = 1000): a room whose window closes 11 minutes from now
// hears its warnings 10, 5 and 1 "minutes" before, then ends or auto-extends.
// Ports: engine SIP 16030, RTP 45000–45499; sipp 16800–16839, media 16840–16899;
// phone SIP 16900 (+1, +2), RTP 16910–16919.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveRoom } from '../../ivr/room/live-room.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { startSippCall } from '../support/ivr-calls.ts';
import { Phone } from '../support/ivr-phones.ts';
import { goertzelPower, readSamples } from '../support/audio-check.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 16030;
const MINUTE_MS = 1000;
const work = mkdtempSync(join(tmpdir(), 'ivr-window-'));
let bridge: IvrBridge;
let port = 16800;
let media = 16840;
const ports = () => ({ localPort: port++, mediaPort: (media += 4) });

before(async () => { bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 45000, rtpMax: 45499, config: { minuteMs: MINUTE_MS } }); });
after(async () => {
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
});

/** A room whose window closes `minutesLeft` from now. */
async function closingRoom(number: string, minutesLeft: number, autoExtendMinutes: number) {
  const now = Date.now();
  return bridge.repos.rooms.create(bridge.seed.accountId, {
    name: `closing ${number}`, number, chairPin: '4321', guestPin: '8765',
    schedule: { startsAt: new Date(now - (60 - minutesLeft) * 60_000), durationMinutes: 60, rrule: null, earlyEntryMinutes: 10, autoExtendMinutes },
  }, { now: new Date(now - 3600_000) });
}

/** Everything the live room of `number` says, from the moment it opens. */
function watch(number: string) {
  const seen: { warnings: number[]; extended: number[]; ended: string[]; room?: LiveRoom } = { warnings: [], extended: [], ended: [] };
  const onOpen = (room: LiveRoom) => {
    if (room.number !== number) return;
    seen.room = room;
    room.on('warning', (m) => seen.warnings.push(m));
    room.on('extended', (m) => seen.extended.push(m));
    room.on('ended', (r) => seen.ended.push(r));
  };
  bridge.ivr.rooms.on('opened', onOpen);
  return seen;
}

test('warnings at 10, 5 and 1 minutes, then the meeting ends (no auto-extend) — or auto-extends while people are in', { timeout: 120_000 }, async () => {
  const ending = await closingRoom('7004001', 11, 0);
  const extending = await closingRoom('7004002', 11, 15);
  const endSeen = watch(ending.number);
  const extSeen = watch(extending.number);
  const t0 = Date.now();
  // The caller in the ending room waits for the bridge's BYE; the other hangs up after 24 s.
  const a = startSippCall({ bridge, sipPort: SIP_PORT, to: '4008001000', ...ports(), segments: ['silence:0.5', `dtmf:${ending.number}#:100:100`, 'dtmf:4321#:100:100', 'tone:440:20'] });
  const b = startSippCall({ bridge, sipPort: SIP_PORT, to: '4008001000', ...ports(), scenario: 'uac-pcap.xml', durationMs: 24_000, segments: ['silence:0.5', `dtmf:${extending.number}#:100:100`, 'dtmf:4321#:100:100', 'tone:440:22'] });
  const ra = await a.done;
  const endedAfter = Date.now() - t0;
  assert.equal(ra.result.code, 0, ra.result.summary);
  assert.equal(ra.summary.outcome, 'joined');
  assert.deepEqual(endSeen.warnings, [10, 5, 1]);
  assert.deepEqual(endSeen.ended, ['time_up']);
  console.log(`# the ending room hung up its caller ${endedAfter} ms after the call started (window: 11 "minutes" of ${MINUTE_MS} ms)`);
  const row = await bridge.repos.conferences.get(bridge.seed.accountId, endSeen.room!.conferenceId);
  assert.equal(row.endReason, 'time_up');
  const cdr = await bridge.cdr(ra.summary.cdrId);
  assert.ok(Math.abs(cdr.durationMs - (ra.sippAnsweredMs - 500)) <= 1000, `CDR ${cdr.durationMs} vs sipp ${ra.sippAnsweredMs - 500}`);

  const rb = await b.done;
  assert.equal(rb.summary.outcome, 'joined');
  assert.deepEqual(extSeen.extended, [15], 'auto-extended once by 15 minutes');
  assert.deepEqual(extSeen.warnings.slice(0, 3), [10, 5, 1]);
  assert.ok(extSeen.warnings.length >= 4 && extSeen.warnings[3] === 10, `after the extension the warnings start again: ${extSeen.warnings.join(',')}`);
  // The room closes once the last caller's leg is gone, a moment after that caller's own summary: wait for it (bounded).
  await waitUntil(() => extSeen.ended.length > 0, 10_000, 'the extended room to close');
  assert.deepEqual(extSeen.ended, ['last_left']);
  const extRow = await bridge.repos.conferences.get(bridge.seed.accountId, extSeen.room!.conferenceId);
  assert.equal(extRow.extendedMinutes, 15);
  const events = await bridge.repos.conferences.listEvents(bridge.seed.accountId, extRow.id);
  assert.ok(events.some((e) => e.kind === 'extend' && e.data.minutes === 15));
  const cdrB = await bridge.cdr(rb.summary.cdrId);
  assert.ok(Math.abs(cdrB.durationMs - rb.sippAnsweredMs) <= 1000, `CDR ${cdrB.durationMs} vs sipp ${rb.sippAnsweredMs}`);
});

test('announce: the guest records a name after the tone; the room hears it with "has joined" and "has left"', { timeout: 120_000 }, async () => {
  const room = await bridge.repos.rooms.create(bridge.seed.accountId, { name: 'announce', number: '7004003', chairPin: '4321', guestPin: '8765', options: { guestAnnounce: true } }, { now: new Date() });
  const chair = await Phone.start({ work, name: 'chairA', toneHz: 440, sipPort: 16900, rtpBase: 16910 });
  try {
    await chair.dial(`sip:4008001000@${bridge.engine.sipAddress}`);
    await chair.keys(`${room.number}#4321#`);
    await waitUntil(() => bridge.ivr.rooms.byNumber(room.number)?.size === 1, 20_000, 'chair in');
    // The guest: room and PIN, the name prompt (~4.3 s) and its tone, then "says" its name
    // (a 600 Hz tone), #, and talks at 1250 Hz until it hangs up.
    const g = startSippCall({ bridge, sipPort: SIP_PORT, to: '4008001000', ...ports(), scenario: 'uac-pcap.xml', durationMs: 18_000,
      segments: ['silence:0.5', `dtmf:${room.number}#:100:100`, 'dtmf:8765#:100:100', 'silence:6', 'tone:600:1.5', 'dtmf:#:100:100', 'tone:1250:9'] });
    const live = bridge.ivr.rooms.byNumber(room.number)!;
    await waitUntil(() => live.size === 2, 30_000, 'guest in');
    const rg = await g.done;
    assert.equal(rg.summary.outcome, 'joined');
    await waitUntil(() => live.size === 1, 10_000, 'guest gone');
    await new Promise((r) => setTimeout(r, 3500)); // "<name> has left the meeting"
    await chair.hangup();
    const heard = readSamples(chair.sip.decodedRecordings().at(-1)!);
    const p = (f: number) => 10 * Math.log10(Math.max(goertzelPower(heard, f), 1e-12));
    console.log(`# the chair heard: name 600 Hz ${p(600).toFixed(0)} dB, the guest's voice 1250 Hz ${p(1250).toFixed(0)} dB, absent 1800 Hz ${p(1800).toFixed(0)} dB`);
    assert.ok(p(600) - p(1800) > 30, 'the recorded name was played to the room');
    assert.ok(p(1250) - p(1800) > 30, 'and the guest was heard');
    assert.ok(existsSync(join(bridge.dir, 'recordings', `name-${rg.summary.cdrId}.wav`)), 'the name recording is kept');
  } finally {
    await chair.quit();
  }
});
