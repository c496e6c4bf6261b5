import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConferenceMixer } from '../../bridge/mixer/conference-mixer.ts';
import { jitterBufferInput } from '../../bridge/mixer/jitter-input.ts';
import { JitterBuffer } from '../../bridge/rtp/jitter-buffer.ts';
import { PCMU } from '../../bridge/rtp/g711.ts';
import { ToneSource } from '../../bridge/rtp/tones.ts';

test('a jitter buffer feeds a member: nothing before it starts, then its audio is mixed for the others', () => {
  const jb = new JitterBuffer({ codec: PCMU });
  const mixer = new ConferenceMixer({ startFrames: 1 });
  let pulls = 0;
  const input = jitterBufferInput({ get: (out) => { pulls++; return jb.get(out); } });
  mixer.addMember('caller', { codec: PCMU, input });
  mixer.addMember('listener', { codec: PCMU });
  // Before any packet: 'silence' frames are "no audio".
  assert.equal(input.next(new Int16Array(160)), null);
  const src = new ToneSource({ frequencies: [800], levelDbfs: -20 });
  let seq = 1000, ts = 5000;
  const sent: Int16Array[] = [];
  let heardAudio = 0;
  for (let t = 0; t < 40; t++) {
    const pcm = src.next()!;
    sent.push(pcm.slice());
    jb.put({ seq: seq++, timestamp: ts, ssrc: 1, payload: PCMU.encode(pcm), arrivalMs: t * 20 });
    ts += 160;
    mixer.tick();
    const listener = mixer.member('listener')!;
    if (listener.outputKind === 'shared') heardAudio++;
  }
  assert.equal(pulls, 41);
  assert.equal(mixer.member('caller')!.talking, true);
  assert.ok(heardAudio > 25, `the listener heard the caller for ${heardAudio} ticks`);
  // What the listener gets is the caller's audio through the codec (the mix of one talker).
  const decoded = PCMU.decode(mixer.member('listener')!.output);
  assert.ok(sent.some((f) => f.every((v, i) => Math.abs(PCMU.decode(PCMU.encode(f))[i]! - decoded[i]!) <= 1)));
});
