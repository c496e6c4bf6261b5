// Wire-level recording on the embedded engine: a sipp caller plays a pcap
// (tone or speech) and the handler's record() must capture that audio, end at
// the terminator key or at maxMs, and not hear digits in speech (talk-off).
// Ports: engine SIP 15602, RTP 40400–40599; sipp SIP 15750–15759, media 15760–15769.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Recording } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { compareWavs, dominantFrequency, levelDbfs, readSamples, slice, windowedCorrelation } from '../support/audio-check.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { TestEngine } from '../support/media-engine.ts';
import { runSipp } from '../support/sipp.ts';

const SIP_PORT = 15602;
const REMOTE = `127.0.0.1:${SIP_PORT}`;
let nextSippPort = 15750;
const sippPort = () => (nextSippPort += 2);
let nextMediaPort = 15756;
const mediaPort = () => (nextMediaPort += 4);
const FIXTURES = resolve(import.meta.dirname, '../fixtures/audio');

const engine = new TestEngine({ sipPort: SIP_PORT, rtpMin: 40400, rtpMax: 40599 });
const work = mkdtempSync(join(tmpdir(), 'media-record-'));

before(async () => { await engine.start(); });
after(async () => {
  await engine.close();
  // KEEP_MEDIA_TMP=1 keeps the pcaps and recordings for a look after a failure.
  if (!process.env.KEEP_MEDIA_TMP) rmSync(work, { recursive: true, force: true });
});

describe('record() of a sipp caller', () => {
  test('a 2 s 1 kHz tone then "#": the WAV holds the tone, ends at the terminator, "#" is consumed', async () => {
    const pcap = join(work, 'tone-hash.pcap');
    // 0.5 s silence, 2 s tone, "#" at 2.5 s, then silence until our BYE.
    makePcap(pcap, ['silence:0.5', 'tone:1000:2', 'dtmf:#:100:100', 'silence:2']);
    const path = join(work, 'tone-hash.wav');
    engine.handle('rec-hash', async (leg) => {
      const rec = await leg.record({ path, maxMs: 3000, terminator: '#' });
      const after = await leg.collect({ max: 1, firstTimeoutMs: 200, interTimeoutMs: 200 });
      await leg.hangup(Q850.NORMAL_CLEARING);
      return { rec, after };
    });
    const r = await runSipp({ scenario: 'uac-pcap-expect-bye.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'rec-hash', calls: 1, keys: { pcap }, timeoutS: 30, recvTimeoutMs: 10_000 });
    assert.equal(r.code, 0, r.summary);
    const h = await engine.finished('rec-hash');
    assert.equal(h.error, undefined, String(h.error));
    const { rec, after: left } = h.result as { rec: Recording; after: string };
    assert.equal(rec.endedBy, 'terminator');
    assert.equal(left, '', 'the terminator is not left for collect()');
    // Recording starts at the ACK, as the pcap does: the "#" comes 2.5 s in.
    assert.ok(rec.durationMs >= 2300 && rec.durationMs <= 2900, `recorded ${rec.durationMs} ms`);
    const pcm = readSamples(path);
    assert.equal(pcm.length, (rec.durationMs * 8000) / 1000);
    const tone = dominantFrequency(slice(pcm, 900, 2100));
    assert.equal(tone.hz, 1000, `dominant ${tone.hz} Hz`);
    assert.ok(tone.share > 0.9, `1 kHz carries ${tone.share} of the energy`);
    assert.ok(levelDbfs(slice(pcm, 900, 2100)) > -20, `tone level ${levelDbfs(slice(pcm, 900, 2100))} dBFS`);
    assert.ok(levelDbfs(slice(pcm, 0, 300)) < -50, `lead-in level ${levelDbfs(slice(pcm, 0, 300))} dBFS`);
  });

  test('maxMs ends the recording: 1.5 s of a longer 1 kHz tone', async () => {
    const pcap = join(work, 'tone-long.pcap');
    makePcap(pcap, ['tone:1000:3', 'silence:1']);
    const path = join(work, 'tone-max.wav');
    engine.handle('rec-max', async (leg) => {
      const rec = await leg.record({ path, maxMs: 1500, terminator: '#' });
      await leg.hangup(Q850.NORMAL_CLEARING);
      return rec;
    });
    const r = await runSipp({ scenario: 'uac-pcap-expect-bye.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'rec-max', calls: 1, keys: { pcap }, timeoutS: 30, recvTimeoutMs: 10_000 });
    assert.equal(r.code, 0, r.summary);
    const h = await engine.finished('rec-max');
    assert.equal(h.error, undefined, String(h.error));
    const rec = h.result as Recording;
    assert.equal(rec.endedBy, 'max');
    assert.equal(rec.durationMs, 1500);
    const pcm = readSamples(path);
    assert.equal(pcm.length, 12_000);
    const tone = dominantFrequency(slice(pcm, 300, 1500));
    assert.equal(tone.hz, 1000);
    assert.ok(tone.share > 0.9, `1 kHz carries ${tone.share} of the energy`);
  });

  test('speech (English and Mandarin) is recorded faithfully and raises no digit', async () => {
    // 8 s of each fixture voice, back to back.
    const speech = join(work, 'speech.wav');
    execFileSync('sox', [join(FIXTURES, 'speech-en-8k.wav'), join(FIXTURES, 'speech-zh-8k.wav'), '-b', '16', '-e', 'signed-integer', speech, 'trim', '22', '16'], { timeout: 10_000 });
    const speechMs = (readSamples(speech).length / 8000) * 1000;
    assert.ok(Math.abs(speechMs - 16_000) < 50, `speech is ${speechMs} ms`);
    const pcap = join(work, 'speech.pcap');
    makePcap(pcap, ['wav:' + speech, 'silence:1']);
    const path = join(work, 'speech-rec.wav');
    engine.handle('talk', async (leg) => {
      const [rec, digits] = await Promise.all([
        leg.record({ path, maxMs: speechMs + 500 }),
        leg.collect({ max: 1, firstTimeoutMs: speechMs + 500, interTimeoutMs: 1000 }),
      ]);
      await leg.hangup(Q850.NORMAL_CLEARING);
      return { rec, digits };
    });
    const r = await runSipp({ scenario: 'uac-pcap-no-te-expect-bye.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'talk', calls: 1, keys: { pcap }, timeoutS: 60, recvTimeoutMs: 30_000 });
    assert.equal(r.code, 0, r.summary);
    const h = await engine.finished('talk', 30_000);
    assert.equal(h.error, undefined, String(h.error));
    const { rec, digits } = h.result as { rec: Recording; digits: string };
    assert.equal(digits, '', `talk-off: ${JSON.stringify(h.dtmf)}`);
    assert.deepEqual(h.dtmf, []);
    assert.equal(rec.endedBy, 'max');
    const cmp = compareWavs(speech, path, 2000);
    // Window by window: a stalled machine may make the jitter buffer drop or
    // conceal a frame, which shifts the alignment without spoiling the audio.
    const windows = windowedCorrelation(readSamples(speech), readSamples(path));
    const good = windows.filter((w) => w.correlation > 0.9).length;
    const shown = windows.map((w) => `${w.startMs}:${w.correlation.toFixed(2)}@${w.lagMs}`).join(' ');
    console.log(`# speech ${speechMs} ms recorded by the bridge: correlation ${cmp.correlation} at lag ${cmp.lagMs} ms; ${good}/${windows.length} 1-s windows > 0.9`);
    assert.ok(windows.length >= 12, `voiced windows: ${windows.length}`);
    assert.ok(good >= windows.length * 0.8, `windows (start ms:correlation@lag ms): ${shown}`);
    // A different sound does not pass as the recording (the check can fail).
    const tone = join(work, 'other.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', tone, 'synth', '3', 'sine', '440'], { timeout: 10_000 });
    assert.ok(compareWavs(tone, path, 2000).correlation < 0.5);
    assert.ok(levelDbfs(readSamples(path)) > -40, 'the recording is not near silence');
  });
});
