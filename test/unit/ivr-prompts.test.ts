import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { readWav } from '../../bridge/rtp/wav.ts';
import {
  CATALOG, PROMPT_IDS, PROMPT_LANGS, PROMPTS_DIR, extendedBy, holdMusicPath, isPromptId, participantCount,
  promptPath, promptText, sayDigits, sayNumber, welcomeSequence,
} from '../../ivr/prompts/catalog.ts';
import type { PromptId, PromptLang } from '../../ivr/prompts/catalog.ts';

const dbfs = (x: number): number => 20 * Math.log10(Math.max(x, 1e-9) / 32768);

function levels(samples: Int16Array): { rmsDb: number; peakDb: number; peak: number } {
  let sum = 0;
  let peak = 0;
  for (const s of samples) { sum += s * s; peak = Math.max(peak, Math.abs(s)); }
  return { rmsDb: dbfs(Math.sqrt(sum / samples.length)), peakDb: dbfs(peak), peak };
}

const isPiece = (id: PromptId): boolean => /^(num|digit)-/.test(id);

test('every catalog id has a non-silent 8 kHz mono PCM16 WAV in both languages, trimmed and normalised', () => {
  assert.ok(PROMPT_IDS.length > 90);
  for (const id of PROMPT_IDS) {
    for (const lang of PROMPT_LANGS) {
      const what = `${lang}/${id}`;
      const wav = readWav(readFileSync(promptPath(id, lang))); // throws unless mono 8000 Hz
      assert.equal(wav.sampleRate, 8000, what);
      assert.equal(wav.format, 'pcm16', what);
      const ms = (wav.samples.length * 1000) / 8000;
      const [min, max] = isPiece(id) ? [150, 1500] : [400, 40_000];
      assert.ok(ms >= min && ms <= max, `${what}: ${ms} ms outside ${min}..${max}`);
      const { rmsDb, peakDb } = levels(wav.samples);
      assert.ok(rmsDb > -30, `${what}: RMS ${rmsDb.toFixed(1)} dBFS is too quiet`);
      assert.ok(peakDb > -3.5 && peakDb < -2.5, `${what}: peak ${peakDb.toFixed(2)} dBFS, expected about -3`);
      // trimmed: sound within the first and last 60 ms
      const floor = 0.005 * 32768;
      const head = wav.samples.subarray(0, 480);
      const tail = wav.samples.subarray(wav.samples.length - 480);
      assert.ok(head.some((s) => Math.abs(s) > floor), `${what}: leading silence not trimmed`);
      assert.ok(tail.some((s) => Math.abs(s) > floor), `${what}: trailing silence not trimmed`);
    }
  }
});

test('the language folders hold exactly the catalog WAVs', () => {
  for (const lang of PROMPT_LANGS) {
    const files = readdirSync(join(PROMPTS_DIR, lang)).sort();
    assert.deepEqual(files, PROMPT_IDS.map((id) => `${id}.wav`).sort(), lang);
  }
});

interface Manifest {
  prompts: { id: string; lang: string; text: string; speak: string; voice: string; file: string; durationMs: number; sha256: string }[];
  music: { id: string; file: string; durationMs: number; sha256: string }[];
}

test('manifest.json matches the files (sha256, duration) and the catalog texts', () => {
  const manifest = JSON.parse(readFileSync(join(PROMPTS_DIR, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(manifest.prompts.length, PROMPT_IDS.length * PROMPT_LANGS.length);
  const seen = new Set<string>();
  for (const e of [...manifest.prompts, ...manifest.music]) {
    assert.ok(!isAbsolute(e.file), `${e.file}: paths in the manifest are relative`);
    const buf = readFileSync(join(PROMPTS_DIR, e.file));
    assert.equal(createHash('sha256').update(buf).digest('hex'), e.sha256, `${e.file}: sha256`);
    const wav = readWav(buf);
    assert.equal(Math.round((wav.samples.length * 1000) / 8000), e.durationMs, `${e.file}: durationMs`);
  }
  for (const e of manifest.prompts) {
    assert.ok(isPromptId(e.id), `manifest id ${e.id} is not in the catalog`);
    const lang = e.lang as PromptLang;
    assert.ok(PROMPT_LANGS.includes(lang), e.lang);
    const v = CATALOG[e.id as PromptId][lang];
    // a catalog edit without regenerating fails here
    assert.equal(e.text, v.text, `${e.lang}/${e.id}: text changed since generation (run scripts/make-prompts.ts)`);
    assert.equal(e.speak, v.speak, `${e.lang}/${e.id}: speak changed since generation (run scripts/make-prompts.ts)`);
    assert.equal(e.voice, v.voice === 'en' ? 'en-us' : 'cmn-latn-pinyin', `${e.lang}/${e.id}: voice`);
    assert.equal(join(PROMPTS_DIR, e.file), promptPath(e.id as PromptId, lang));
    seen.add(`${e.lang}/${e.id}`);
  }
  assert.equal(seen.size, manifest.prompts.length);
  assert.deepEqual(manifest.music.map((m) => m.file), ['music/hold.wav']);
});

test('hold music: an 8 kHz mono PCM16 loop of 10–20 s at about -20 dBFS RMS, not clipped', () => {
  const wav = readWav(readFileSync(holdMusicPath()));
  assert.equal(wav.format, 'pcm16');
  const s = wav.samples.length / 8000;
  assert.ok(s >= 10 && s <= 20, `${s} s`);
  const { rmsDb, peak } = levels(wav.samples);
  assert.ok(rmsDb > -21 && rmsDb < -19, `RMS ${rmsDb.toFixed(1)} dBFS`);
  assert.ok(peak < 32767, 'clipped');
});

test('promptPath is absolute, inside the prompts folder; texts are filled in', () => {
  const p = promptPath('enter-room', 'zh-CN');
  assert.ok(isAbsolute(p));
  assert.equal(relative(PROMPTS_DIR, p), join('zh-CN', 'enter-room.wav'));
  assert.equal(relative(PROMPTS_DIR, holdMusicPath()), join('music', 'hold.wav'));
  for (const id of PROMPT_IDS) {
    for (const lang of PROMPT_LANGS) {
      assert.ok(promptText(id, lang).length > 0 && CATALOG[id][lang].speak.length > 0, `${lang}/${id}`);
    }
    // Mandarin is given to espeak-ng as pinyin with tone numbers (or English for the cross-language hint)
    const zh = CATALOG[id]['zh-CN'];
    if (zh.voice === 'zh-CN') assert.match(zh.speak, /^[a-z]+[1-5]([ ,.]+[a-z]+[1-5])*[,.]?$/, `zh-CN/${id}: ${zh.speak}`);
  }
  // the language-switch hint is spoken in the other language
  assert.equal(CATALOG['lang-switch']['zh-CN'].voice, 'en');
  assert.equal(CATALOG['lang-switch'].en.voice, 'zh-CN');
  assert.deepEqual(welcomeSequence('zh-CN'), ['welcome', 'lang-switch']);
  assert.equal(isPromptId('menu'), true);
  assert.equal(isPromptId('toString'), false);
});

const NUMBERS: [number, string[], string[]][] = [
  // n, zh-CN, en  (ids without the "num-" prefix)
  [0, ['0'], ['0']],
  [2, ['liang'], ['2']],
  [7, ['7'], ['7']],
  [10, ['10'], ['10']],
  [11, ['11'], ['11']],
  [20, ['20'], ['20']],
  [22, ['20', '2'], ['20', '2']],
  [23, ['20', '3'], ['20', '3']],
  [100, ['1', 'hundred'], ['1', 'hundred']],
  [102, ['1', 'hundred', '0', '2'], ['1', 'hundred', '2']],
  [113, ['1', 'hundred', '1', '13'], ['1', 'hundred', '13']],
  [150, ['1', 'hundred', '50'], ['1', 'hundred', '50']],
  [1102, ['1', 'thousand', '1', 'hundred', '0', '2'], ['1', 'thousand', '1', 'hundred', '2']],
  [1005, ['1', 'thousand', '0', '5'], ['1', 'thousand', '5']],
  [200, ['liang', 'hundred'], ['2', 'hundred']],
  [600, ['6', 'hundred'], ['6', 'hundred']],
  [1000, ['1', 'thousand'], ['1', 'thousand']],
  [1010, ['1', 'thousand', '0', '1', '10'], ['1', 'thousand', '10']],
  [1500, ['1', 'thousand', '5', 'hundred'], ['1', 'thousand', '5', 'hundred']],
  [2000, ['liang', 'thousand'], ['2', 'thousand']],
  [2002, ['liang', 'thousand', '0', '2'], ['2', 'thousand', '2']],
  [10005, ['1', 'ten-thousand', '0', '5'], ['10', 'thousand', '5']],
  [10100, ['1', 'ten-thousand', '0', '1', 'hundred'], ['10', 'thousand', '1', 'hundred']],
  [20000, ['liang', 'ten-thousand'], ['20', 'thousand']],
  [11000, ['1', 'ten-thousand', '1', 'thousand'], ['11', 'thousand']],
  [123456, ['12', 'ten-thousand', '3', 'thousand', '4', 'hundred', '50', '6'],
    ['1', 'hundred', '20', '3', 'thousand', '4', 'hundred', '50', '6']],
];

test('sayNumber reads counts naturally in both languages', () => {
  for (const [n, zh, en] of NUMBERS) {
    assert.deepEqual(sayNumber(n, 'zh-CN'), zh.map((x) => `num-${x}`), `zh-CN ${n}`);
    assert.deepEqual(sayNumber(n, 'en'), en.map((x) => `num-${x}`), `en ${n}`);
  }
  for (const lang of PROMPT_LANGS) {
    for (let n = 0; n <= 3000; n++) for (const id of sayNumber(n, lang)) assert.ok(isPromptId(id), `${lang} ${n}: ${id}`);
    assert.throws(() => sayNumber(-1, lang), RangeError);
    assert.throws(() => sayNumber(1.5, lang), RangeError);
    assert.throws(() => sayNumber(Number.NaN, lang), RangeError);
  }
  assert.throws(() => sayNumber(1_000_000, 'en'), RangeError);
  assert.deepEqual(sayNumber(1_000_000, 'zh-CN'), ['num-1', 'num-hundred', 'num-ten-thousand']); // 一百万
});

test('sayDigits reads digit by digit; composed count and extension prompts', () => {
  assert.deepEqual(sayDigits('8012', 'zh-CN'), ['digit-8', 'digit-0', 'digit-1', 'digit-2']);
  assert.deepEqual(sayDigits('0123456789', 'en'), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => `digit-${d}`));
  assert.deepEqual(sayDigits('', 'en'), []);
  assert.throws(() => sayDigits('12#', 'en'), RangeError);
  assert.throws(() => sayDigits('１２', 'zh-CN'), RangeError); // full-width digits are not digits here
  assert.equal(CATALOG['digit-1']['zh-CN'].text, '幺');

  assert.deepEqual(participantCount(1, 'en'), ['only-participant']);
  assert.deepEqual(participantCount(2, 'zh-CN'), ['count-pre', 'num-liang', 'count-post']);
  assert.deepEqual(participantCount(23, 'en'), ['count-pre', 'num-20', 'num-3', 'count-post']);
  assert.deepEqual(extendedBy(30, 'zh-CN'), ['extended-pre', 'num-30', 'unit-minutes']);
  assert.deepEqual(extendedBy(1, 'en'), ['extended-pre', 'num-1', 'unit-minute']);
});

test('README.md lists every prompt id in its table', () => {
  const readme = readFileSync(join(PROMPTS_DIR, 'README.md'), 'utf8');
  for (const id of PROMPT_IDS) {
    const row = `| \`${id}\` | ${promptText(id, 'zh-CN')} | ${promptText(id, 'en')} |`;
    assert.ok(readme.includes(row), `README.md has no up-to-date row for ${id} (run scripts/make-prompts.ts)`);
  }
});
