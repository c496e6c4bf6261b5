// Wire-level media with a real softphone: baresip dials the embedded engine,
// which plays a spoken prompt and hangs up; the audio baresip decoded must be
// the prompt (cross-correlation). Ports: engine SIP 15600, RTP 40000–40199;
// baresip SIP 15610 (TLS 15611), ctrl 15612, RTP 15620–15629.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Q850 } from '../../bridge/q850.ts';
import { Baresip } from '../support/baresip.ts';
import { compareWavs, readSamples } from '../support/audio-check.ts';
import { TestEngine } from '../support/media-engine.ts';

const SIP_PORT = 15600;
const TOOLS = resolve(import.meta.dirname, '../support/sip-tools');

const engine = new TestEngine({ sipPort: SIP_PORT, rtpMin: 40000, rtpMax: 40199 });
const work = mkdtempSync(join(tmpdir(), 'media-prompt-'));

before(async () => { await engine.start(); });
after(async () => {
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

describe('prompts heard by baresip', () => {
  test('baresip dials in, hears the prompt, and its recording correlates with it (> 0.9)', async () => {
    const prompt = join(work, 'prompt.wav');
    execFileSync('sh', [join(TOOLS, 'make-prompt.sh'), prompt, 'Welcome to the conference bridge. Please enter your room number, followed by the pound key.'], { timeout: 30_000 });
    // baresip hangs up when its source WAV ends: 20 s of silence outlasts the call.
    const silence = join(work, 'silence.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', silence, 'trim', '0', '20'], { timeout: 10_000 });
    const promptMs = (readSamples(prompt).length / 8000) * 1000;
    assert.ok(promptMs > 2000, `prompt is ${promptMs} ms`);

    engine.handle('prompt', async (leg) => {
      const r = await leg.play({ file: prompt });
      await leg.hangup(Q850.NORMAL_CLEARING);
      return r;
    });

    const phone = await Baresip.start({
      dir: join(work, 'baresip'), user: 'alice', sipPort: 15610, ctrlPort: 15612, rtpPorts: '15620-15629', source: silence, lifetimeS: 40,
    });
    try {
      const r = await phone.ctrl.command('dial', `sip:prompt@127.0.0.1:${SIP_PORT}`);
      assert.equal(r.ok, true, `dial: ${JSON.stringify(r)}`);
      await phone.ctrl.waitEvent('CALL_ESTABLISHED', 10_000);
      // The bridge hangs up once the prompt has played.
      await phone.ctrl.waitEvent('CALL_CLOSED', promptMs + 10_000);
    } finally {
      await phone.quit();
    }

    const handled = await engine.finished('prompt');
    assert.equal(handled.error, undefined, String(handled.error));
    assert.deepEqual(handled.result, { interrupted: false });
    assert.equal(handled.hangup?.by, 'local');

    const recordings = phone.decodedRecordings();
    assert.equal(recordings.length, 1, `baresip recordings: ${recordings.join(', ')}\n${phone.log.slice(-2000)}`);
    const heard = readSamples(recordings[0]!);
    // It heard (at least) the whole prompt: the call lasted the prompt plus silence around it.
    assert.ok(heard.length >= readSamples(prompt).length * 0.95, `heard ${heard.length / 8} ms of a ${promptMs} ms prompt`);
    const cmp = compareWavs(prompt, recordings[0]!, 3000);
    console.log(`# prompt ${Math.round(promptMs)} ms, baresip heard ${heard.length / 8} ms: correlation ${cmp.correlation} at lag ${cmp.lagMs} ms`);
    assert.ok(cmp.correlation > 0.9, `correlation ${cmp.correlation} at lag ${cmp.lagMs} ms`);
  });
});
