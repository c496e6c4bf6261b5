// A recording whose file cannot be written any more stops cleanly (issue 14):
// a real media-worker conference records into a file that hits a size limit
// (prlimit --fsize: EFBIG, as a full disk gives ENOSPC) — the writer reports
// the first failed write once, the conference drops the recording, emits
// `recordFailed` with the errno code and goes on mixing; what was written
// stays a readable WAV. And WavWriter's onError on its own.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readWav } from '../../bridge/rtp/wav.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../support/record-until-full.ts', import.meta.url));
const LIMIT = 8192;

describe('recording write errors', () => {
  it('a worker conference whose recording hits EFBIG stops it with one recordFailed event and keeps mixing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-full-'));
    try {
      const path = join(dir, 'full.wav');
      const { stdout } = await run('prlimit', [`--fsize=${LIMIT}`, '--', process.execPath, '--import', 'tsx', SCRIPT, path], { timeout: 20_000 });
      const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as { events: Array<Record<string, unknown>>; ticks: number; ticksAfter: number; stopped: unknown };
      const failed = out.events.filter((e) => e.event === 'recordFailed');
      assert.equal(failed.length, 1, 'reported once');
      assert.equal(failed[0]!.confId, 'conf-full');
      assert.equal(failed[0]!.path, path);
      assert.equal(failed[0]!.reason, 'EFBIG');
      // 44-byte header + 320 bytes per 20 ms frame: the limit holds about 25 frames.
      const durationMs = failed[0]!.durationMs as number;
      assert.ok(durationMs >= 400 && durationMs <= 700, `failed after ${durationMs} ms`);
      assert.equal(out.ticksAfter, 50, 'the mix went on ticking after the failure');
      assert.equal(out.stopped, null, 'stopRecording afterwards: nothing to stop');
      const bytes = readFileSync(path);
      assert.ok(bytes.length <= LIMIT);
      const wav = readWav(bytes); // the provisional header: "data to the end of the file"
      assert.equal(wav.sampleRate, 8000);
      assert.ok(wav.samples.length > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
