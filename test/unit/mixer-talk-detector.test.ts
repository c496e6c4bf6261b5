import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TalkDetector, talkDetectorSettings, dbfsToMeanSquare, meanSquareToDbfs, frameMeanSquare, MIN_LEVEL_DBFS,
} from '../../bridge/mixer/talk-detector.ts';
import { ToneSource } from '../../bridge/rtp/tones.ts';

const LOUD = dbfsToMeanSquare(-20);
const QUIET = dbfsToMeanSquare(-60);

test('levels: a −20 dBFS sine frame measures −20 dBFS; silence is the floor', () => {
  const frame = new ToneSource({ frequencies: [1000], levelDbfs: -20 }).next()!;
  assert.ok(Math.abs(meanSquareToDbfs(frameMeanSquare(frame)) - -20) < 0.1);
  assert.equal(meanSquareToDbfs(0), MIN_LEVEL_DBFS);
  assert.ok(Math.abs(meanSquareToDbfs(dbfsToMeanSquare(-33.3)) - -33.3) < 1e-9);
});

test('start delay: talking starts on the startFrames-th consecutive loud frame; a single click does not start it', () => {
  const d = new TalkDetector(talkDetectorSettings({ startFrames: 2, hangoverFrames: 5 }));
  assert.equal(d.update(LOUD), 0);
  assert.equal(d.update(QUIET), 0); // the run is broken
  assert.equal(d.update(LOUD), 0);
  assert.equal(d.talking, false);
  assert.equal(d.update(LOUD), 1);
  assert.equal(d.talking, true);
});

test('hang-over: a pause up to hangoverFrames keeps talking; one frame more stops it, once', () => {
  const d = new TalkDetector(talkDetectorSettings({ startFrames: 1, hangoverFrames: 5 }));
  assert.equal(d.update(LOUD), 1);
  for (let i = 0; i < 5; i++) assert.equal(d.update(QUIET), 0, `pause frame ${i}`);
  assert.equal(d.update(LOUD), 0); // resumes inside the hang-over: no new start
  for (let i = 0; i < 5; i++) assert.equal(d.update(QUIET), 0);
  assert.equal(d.update(QUIET), -1);
  assert.equal(d.talking, false);
  for (let i = 0; i < 10; i++) assert.equal(d.update(QUIET), 0);
});

test('threshold: frames just below it never start talking', () => {
  const d = new TalkDetector(talkDetectorSettings({ thresholdDbfs: -40, startFrames: 1 }));
  for (let i = 0; i < 50; i++) assert.equal(d.update(dbfsToMeanSquare(-40.5)), 0);
  assert.equal(d.update(dbfsToMeanSquare(-39.5)), 1);
});

test('smoothed level follows the input level', () => {
  const d = new TalkDetector(talkDetectorSettings());
  for (let i = 0; i < 100; i++) d.update(dbfsToMeanSquare(-25));
  assert.ok(Math.abs(d.levelDbfs - -25) < 0.01);
  assert.equal(d.reset(), -1);
  assert.equal(d.levelDbfs, MIN_LEVEL_DBFS);
  assert.equal(d.reset(), 0);
});

test('bad settings are rejected', () => {
  assert.throws(() => talkDetectorSettings({ thresholdDbfs: 3 }), RangeError);
  assert.throws(() => talkDetectorSettings({ startFrames: 0 }), RangeError);
  assert.throws(() => talkDetectorSettings({ hangoverFrames: -1 }), RangeError);
  assert.throws(() => talkDetectorSettings({ smoothing: 1 }), RangeError);
  assert.throws(() => talkDetectorSettings({ thresholdDbfs: Number.NaN }), RangeError);
});
