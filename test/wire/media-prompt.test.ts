// Wire-level media with a real softphone: baresip dials the embedded engine,
// which plays a spoken prompt and hangs up; the audio baresip decoded must be
// the prompt (cross-correlation). A second call records what baresip says,
// collects the keys it presses (RFC 4733) and plays it a tone.
// Ports: engine SIP 15600, RTP 40000–40199; baresip SIP 15610 (TLS 15611),
// ctrl 15612, RTP 15620–15629; the second baresip 15614/15615, 15616, 15630–15639.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Q850 } from '../../bridge/q850.ts';
import { Baresip } from '../support/baresip.ts';
import type { Recording } from '../../bridge/port.ts';
import { compareWavs, dominantFrequency, readSamples, slice } from '../support/audio-check.ts';
import { waitUntil } from '../support/ports.ts';
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

describe('baresip as the caller', () => {
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

  test('baresip talks (recorded by the bridge), presses 4 2 # (collected as "42"), and hears a 1 kHz tone', async () => {
    // baresip's voice: 6 s of the English fixture, then silence so the call is not ended by its source.
    const talk = join(work, 'talk.wav');
    execFileSync('sox', [resolve(import.meta.dirname, '../fixtures/audio/speech-en-8k.wav'), '-b', '16', '-e', 'signed-integer', talk, 'trim', '0', '6', 'pad', '0', '20'], { timeout: 10_000 });
    const path = join(work, 'caller.wav');
    const progress = { recorded: false };
    engine.handle('menu', async (leg) => {
      const rec = await leg.record({ path, maxMs: 3000 });
      progress.recorded = true;
      const digits = await leg.collect({ max: 10, terminator: '#', firstTimeoutMs: 8000, interTimeoutMs: 3000 });
      await leg.play({ tone: { freqs: [1000], totalMs: 1000 } });
      await leg.hangup(Q850.NORMAL_CLEARING);
      return { rec, digits };
    });

    const phone = await Baresip.start({
      dir: join(work, 'baresip-menu'), user: 'bob', sipPort: 15614, ctrlPort: 15616, rtpPorts: '15630-15639', source: talk, lifetimeS: 40,
    });
    try {
      const r = await phone.ctrl.command('dial', `sip:menu@127.0.0.1:${SIP_PORT}`);
      assert.equal(r.ok, true, `dial: ${JSON.stringify(r)}`);
      await phone.ctrl.waitEvent('CALL_ESTABLISHED', 10_000);
      await waitUntil(() => progress.recorded, 8000, 'the bridge to record 3 s');
      const sent = await phone.ctrl.dtmf('42#', 300);
      assert.equal(sent.ok, true);
      await phone.ctrl.waitEvent('CALL_CLOSED', 10_000);
    } finally {
      await phone.quit();
    }

    const h = await engine.finished('menu');
    assert.equal(h.error, undefined, String(h.error));
    const { rec, digits } = h.result as { rec: Recording; digits: string };
    assert.equal(digits, '42');
    assert.deepEqual(h.dtmf.map((e) => [e.digit, e.source]), [['4', 'rfc4733'], ['2', 'rfc4733'], ['#', 'rfc4733']]);
    // What the bridge recorded is baresip's speech (found in the source near its start).
    assert.equal(rec.endedBy, 'max');
    const heardByBridge = compareWavs(path, talk, 2000);
    console.log(`# bridge recorded baresip: correlation ${heardByBridge.correlation} at lag ${heardByBridge.lagMs} ms`);
    assert.ok(heardByBridge.correlation > 0.9, `correlation ${heardByBridge.correlation} at lag ${heardByBridge.lagMs} ms`);
    // The last thing baresip heard is the 1 kHz tone.
    const recordings = phone.decodedRecordings();
    assert.equal(recordings.length, 1);
    const heard = readSamples(recordings[0]!);
    const end = (heard.length / 8000) * 1000;
    const tone = dominantFrequency(slice(heard, end - 800, end - 100));
    assert.equal(tone.hz, 1000, `dominant ${tone.hz} Hz at the end of baresip's recording`);
    assert.ok(tone.share > 0.9, `1 kHz share ${tone.share}`);
  });
});
