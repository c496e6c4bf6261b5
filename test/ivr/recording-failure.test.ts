// A recording whose file cannot be written stops cleanly and the meeting goes
// on (issue 14), on the fake engine: the engine reports `recording-failed`
// mid-recording (disk full), or the recordings directory cannot be made when
// *7 starts one. Either way: the room is told "recording stopped", the
// conference event record_failed and the live console's `recording` event
// (on: false, with the failure) are written, the recording row (if any) is
// finished with the failure, the call goes on (the menu answers, *7 starts
// a new recording), nothing crashes.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';
import type { FakeCallLeg } from '../../bridge/fake/leg.ts';

describe('recording failures on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr | undefined;
  let n = 0;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  afterEach(async () => { await t?.close(); t = undefined; });

  async function twoInRoom(ivr: FakeIvr): Promise<{ number: string; chair: FakeCallLeg; guest: FakeCallLeg }> {
    const room = await ivr.room(`71140${String(++n).padStart(2, '0')}`, { options: { chairRecord: true } });
    const chair = await ivr.enter(`chair${n}`, room.number, '4321');
    const guest = await ivr.enter(`guest${n}`, room.number, '8765');
    await ivr.run(() => guest.prompts.includes('count-post') && !guest.isPlaying, 'the guest\'s count');
    return { number: room.number, chair, guest };
  }

  test('the disk fills mid-recording: stopped, announced, record_failed, live event with the failure, row finished; the meeting goes on', async () => {
    t = FakeIvr.start(base);
    const ivr = t;
    const { number, chair, guest } = await twoInRoom(ivr);
    const live = ivr.live(number)!;
    const conf = ivr.engine.conferencesNamed(`room-${number}`)[0]!;
    const liveEvents: Array<{ on: boolean; failure: string | undefined }> = [];
    live.on('recording', (on, _path, _by, failure) => liveEvents.push({ on, failure }));
    await ivr.press(chair, '*7', () => live.recording, 'recording');
    const rows = () => base.repos.recordings.list(base.seed.accountId, { conferenceId: live.conferenceId });
    await ivr.run(() => conf.played.includes('recording-started'), 'announced');
    await ivr.clock.advance(30_000);
    await ivr.run(() => true, 'the row written');
    assert.equal((await rows()).length, 1);

    conf.failRecording('ENOSPC');
    await ivr.run(() => !live.recording && conf.played.filter((p) => p === 'recording-stopped').length === 1, 'stopped and announced');
    await ivr.clock.advance(1000);
    const ev = await base.repos.conferences.listEvents(base.seed.accountId, live.conferenceId);
    const failed = ev.filter((e) => e.kind === 'record_failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.data.reason, 'ENOSPC');
    const stop = conf.log.find((e) => e.what === 'record-stop');
    assert.ok(stop?.what === 'record-stop' && stop.durationMs > 25_000 && stop.durationMs <= 30_000, 'about 30 s recorded');
    assert.equal(failed[0]!.data.durationMs, stop.durationMs);
    assert.deepEqual(liveEvents, [{ on: true, failure: undefined }, { on: false, failure: 'ENOSPC' }]);
    const [row] = await rows();
    assert.equal(row!.failure, 'ENOSPC');
    assert.ok(row!.endedAt);
    assert.equal(row!.durationMs, stop.durationMs);

    // The meeting goes on: both still in the mix, the menu answers, and a new recording can start.
    assert.ok(conf.member(chair.id) && conf.member(guest.id), 'both still in the mix');
    assert.equal(live.isClosed, false);
    await ivr.press(guest, '*1', () => conf.member(guest.id)?.muted === true, 'the guest mutes');
    await ivr.press(chair, '*7', () => conf.log.filter((e) => e.what === 'record-start').length === 2, 'recording again');
    await ivr.clock.advance(1000);
    assert.equal(live.recording, true);
    assert.equal((await rows()).length, 2);
  });

  test('the failure comes while *7 is stopping it (during "recording stopped"): the row is still finished, with the failure', async () => {
    t = FakeIvr.start(base);
    const ivr = t;
    const { number, chair } = await twoInRoom(ivr);
    const live = ivr.live(number)!;
    const conf = ivr.engine.conferencesNamed(`room-${number}`)[0]!;
    await ivr.press(chair, '*7', () => conf.log.some((e) => e.what === 'record-start'), 'recording');
    await ivr.clock.advance(10_000);
    chair.press('*7');
    await ivr.run(() => !live.recording, 'the stop begun (announcing)');
    conf.failRecording('EIO');
    await ivr.run(() => conf.played.filter((p) => p === 'recording-stopped').length >= 1, 'announced');
    await ivr.clock.advance(5000);
    const [row] = await base.repos.recordings.list(base.seed.accountId, { conferenceId: live.conferenceId });
    assert.ok(row?.endedAt, 'the row is finished');
    assert.equal(row.failure, 'EIO');
    assert.ok(row.durationMs! >= 8000, `${row.durationMs} ms`);
  });

  test('the recordings directory cannot be made: *7 says started then stopped, record_failed with the errno, no row, the meeting goes on', async () => {
    const parent = join(base.dir, `recs-${++n}`);
    t = FakeIvr.start(base, { recordingsDir: join(parent, 'recordings') });
    const ivr = t;
    // After the start, the directory's parent becomes a file: the directory cannot be made again.
    rmSync(parent, { recursive: true });
    writeFileSync(parent, 'a file where the directory should be');
    const { number, chair, guest } = await twoInRoom(ivr);
    const live = ivr.live(number)!;
    const conf = ivr.engine.conferencesNamed(`room-${number}`)[0]!;
    const liveEvents: Array<{ on: boolean; failure: string | undefined }> = [];
    live.on('recording', (on, _path, _by, failure) => liveEvents.push({ on, failure }));
    await ivr.press(chair, '*7', () => conf.played.includes('recording-stopped'), '"recording stopped"');
    assert.equal(live.recording, false);
    assert.deepEqual(conf.played.filter((p) => p.startsWith('recording-')), ['recording-started', 'recording-stopped']);
    assert.deepEqual(liveEvents, [{ on: false, failure: 'ENOTDIR' }]);
    await ivr.clock.advance(1000);
    const ev = await base.repos.conferences.listEvents(base.seed.accountId, live.conferenceId);
    assert.deepEqual(ev.filter((e) => e.kind === 'record_failed').map((e) => e.data.reason), ['ENOTDIR']);
    assert.equal((await base.repos.recordings.list(base.seed.accountId, { conferenceId: live.conferenceId })).length, 0);
    assert.ok(conf.member(chair.id) && conf.member(guest.id), 'both still in the mix');
    await ivr.press(guest, '*1', () => conf.member(guest.id)?.muted === true, 'the guest mutes');
  });
});
