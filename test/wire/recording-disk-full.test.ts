// A recording that runs out of room on the real engine (issue 14): a baresip
// chair in a room on the embedded engine presses *7; while it records, this
// process gets a file-size limit (RLIMIT_FSIZE through prlimit: writes past
// it fail with EFBIG, as a full disk fails them with ENOSPC; Node ignores
// SIGXFSZ). The media worker's writer fails, the recording stops on its own:
// the live console hears `recording` off with the failure, the conference
// log has record_failed, the row is finished with the failure and what was
// written reads back as a WAV — and the meeting goes on: with the limit
// lifted, *7 records again and that recording ends normally at the hang-up.
// The limit is set only while the first recording runs (the phone's own
// files belong to its process, started before).
// Ports: bridge SIP 17220, RTP 35600–35799; phone SIP 17230 (+1, +2), RTP 35800–35809.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { Phone } from '../support/ivr-phones.ts';
import { waitUntil } from '../support/ports.ts';
import { readWav } from '../../bridge/rtp/wav.ts';
import type { LiveEvent } from '../../core/live/messages.ts';
import type { Recording } from '../../core/recordings/store.ts';

const SIP_PORT = 17220;
const EN_ACCESS = '4008001000';
/** About 2 s of 16-bit 8 kHz audio after the header. */
const LIMIT = 32_768;

function setFileSizeLimit(soft: number | 'unlimited'): void {
  execFileSync('prlimit', ['--pid', String(process.pid), `--fsize=${soft}:unlimited`], { timeout: 5000 });
}

describe('a recording whose disk fills, on the real engine', () => {
  const work = mkdtempSync(join(tmpdir(), 'rec-full-wire-'));
  let bridge: IvrBridge;
  const events: LiveEvent[] = [];

  before(async () => {
    bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 35600, rtpMax: 35799, config: { pinLockout: { carrierAddresses: ['127.0.0.1'] } } });
    bridge.ivr.live.subscribe((e) => events.push(e));
  });
  after(async () => {
    setFileSizeLimit('unlimited');
    await bridge?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('stops the recording with record_failed and a live event, keeps the meeting, and records again once there is room', async () => {
    const accountId = bridge.seed.accountId;
    const room = await bridge.repos.rooms.create(accountId, { name: 'Full disk', number: '7014101', chairPin: '4321', guestPin: '8765' }, { now: new Date() });
    const chair = await Phone.start({ work, name: 'fullchair', toneHz: 500, sipPort: 17230, rtpBase: 35800, lifetimeS: 120 });
    const rows = () => bridge.repos.recordings.list(accountId, { roomId: room.id });
    try {
      await chair.dial(`sip:${EN_ACCESS}@127.0.0.1:${SIP_PORT}`);
      await chair.keys(`${room.number}#4321#`);
      const live = () => bridge.ivr.rooms.byNumber(room.number);
      await waitUntil(() => live()?.list().some((p) => p.role === 'chair' && p.away === null) ?? false, 30_000, 'the chair in the room');
      await new Promise((r) => setTimeout(r, 3000)); // the joiner's prompts play out before the menu key

      setFileSizeLimit(LIMIT);
      let failure: LiveEvent | undefined;
      try {
        await chair.keys('*7');
        await waitUntil(() => {
          failure = events.find((e) => e.type === 'recording' && e.on === false && e.failure !== undefined);
          return failure !== undefined;
        }, 30_000, 'the recording to fail');
      } finally {
        setFileSizeLimit('unlimited');
      }
      assert.ok(failure?.type === 'recording' && failure.failure === 'EFBIG', `failure: ${JSON.stringify(failure)}`);
      assert.equal(live()?.recording, false);

      let failed: Recording | undefined;
      for (let i = 0; i < 50 && !failed?.endedAt; i++) {
        failed = (await rows())[0];
        if (!failed?.endedAt) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(failed?.endedAt, 'the row is finished');
      assert.equal(failed.failure, 'EFBIG');
      const bytes = readFileSync(failed.path);
      assert.ok(bytes.length <= LIMIT && bytes.length > 44, `${bytes.length} bytes written`);
      assert.ok(readWav(bytes).samples.length > 8000, 'what was written reads back (the header says "to the end")');
      const log = await bridge.repos.conferences.listEvents(accountId, live()!.conferenceId);
      assert.deepEqual(log.filter((e) => e.kind === 'record_failed').map((e) => e.data.reason), ['EFBIG']);

      // The meeting goes on: the chair is still in the mix, and *7 records again.
      assert.ok(live()?.list().some((p) => p.role === 'chair' && p.away === null), 'the chair is still in the room');
      await new Promise((r) => setTimeout(r, 2500)); // "recording stopped" plays out
      await chair.keys('*7');
      await waitUntil(() => live()?.recording === true, 20_000, 'recording again');
      await new Promise((r) => setTimeout(r, 4000));
      await chair.hangup();
      let list: Recording[] = [];
      for (let i = 0; i < 100; i++) {
        list = await rows();
        if (list.length === 2 && list.every((r) => r.endedAt)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const second = list.find((r) => r.id !== failed!.id);
      assert.ok(second?.endedAt, 'the second recording finished');
      assert.equal(second.failure, null);
      assert.ok(second.sizeBytes! > LIMIT, 'the second recording is longer than the limit was');
    } finally {
      await chair.quit();
    }
  });
});
