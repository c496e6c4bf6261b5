// Generates the IVR prompt WAVs from ivr/prompts/catalog.ts:
//   ivr/prompts/<lang>/<id>.wav   espeak-ng → sox: 8 kHz mono 16-bit PCM, leading and
//                                  trailing silence trimmed, peak normalised to −3 dBFS
//   ivr/prompts/music/hold.wav    a ~16 s hold-music loop made with sox synth, RMS −20 dBFS
//   ivr/prompts/manifest.json     id, lang, text, speak, voice, file, durationMs, sha256
//   ivr/prompts/README.md         the table of prompts between its prompt-table markers
// Run: node --import tsx scripts/make-prompts.ts [--only ID[,ID…]] [--check]
//   --check  generate nothing; compare the committed files with a fresh generation
//            (exit 1 on a difference) — needs espeak-ng and sox, like generating.
// The output is deterministic for a given espeak-ng and sox (sox runs with -R, no dither).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CATALOG, PROMPT_IDS, PROMPT_LANGS, PROMPTS_DIR, promptPath, holdMusicPath } from '../ivr/prompts/catalog.ts';
import type { PromptId, PromptLang } from '../ivr/prompts/catalog.ts';
import { readWav } from '../bridge/rtp/wav.ts';

const VOICE: Record<PromptLang, { voice: string; wpm: number }> = {
  'zh-CN': { voice: 'cmn-latn-pinyin', wpm: 160 },
  en: { voice: 'en-us', wpm: 150 },
};

export interface ManifestPrompt {
  id: PromptId;
  lang: PromptLang;
  text: string;
  speak: string;
  voice: string;
  file: string;
  durationMs: number;
  sha256: string;
}
export interface ManifestMusic { id: string; file: string; durationMs: number; sha256: string; rmsDbfs: number }
export interface Manifest {
  generator: string;
  espeakNg: string;
  sox: string;
  format: string;
  prompts: ManifestPrompt[];
  music: ManifestMusic[];
}

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

const sha256 = (buf: Uint8Array): string => createHash('sha256').update(buf).digest('hex');

function durationMs(buf: Uint8Array): number {
  const wav = readWav(buf);
  return Math.round((wav.samples.length * 1000) / wav.sampleRate);
}

/**
 * espeak-ng's phoneme transcription; a language switch marker such as "(en)"
 * means the voice did not understand the input as its own language (e.g. a
 * pinyin syllable it does not know, read as English).
 */
function checkPhonemes(voice: string, speak: string, what: string): void {
  const ph = run('espeak-ng', ['-q', '-x', '-v', voice, '--stdin'], speak);
  if (/\([a-z-]+\)/.test(ph)) throw new Error(`${what}: espeak-ng (${voice}) switches language: ${ph.trim()}`);
}

function makePrompt(id: PromptId, lang: PromptLang, out: string, tmp: string): void {
  const v = CATALOG[id][lang];
  const { voice, wpm } = VOICE[v.voice];
  checkPhonemes(voice, v.speak, `${lang}/${id}`);
  const raw = join(tmp, `${lang}-${id}.wav`);
  run('espeak-ng', ['-v', voice, '-s', String(wpm), '-w', raw, '--stdin'], v.speak);
  run('sox', ['-R', '-D', raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', out,
    'silence', '1', '0.05', '0.5%', 'reverse', 'silence', '1', '0.05', '0.5%', 'reverse',
    'rate', '8000', 'gain', '-n', '-3']);
}

// ── hold music: C – Am – F – G – C – Am – Dm – G, 2 s a chord, plucked
// arpeggio (eighth notes at 120 bpm) over a soft sine pad; all above 250 Hz so
// it survives the telephone band. The loop point is after the last G, back to C.
const NOTE: Record<string, number> = { C: -9, D: -7, E: -5, F: -4, G: -2, A: 0, B: 2 };
function hz(name: string): number {
  const m = /^([A-G])(\d)$/.exec(name);
  if (!m) throw new Error(`bad note ${name}`);
  const semis = NOTE[m[1]!]! + (Number(m[2]) - 4) * 12;
  return 440 * 2 ** (semis / 12);
}
const CHORDS: string[][] = [
  ['C4', 'E4', 'G4', 'C5'], ['A3', 'C4', 'E4', 'A4'], ['F3', 'A3', 'C4', 'F4'], ['G3', 'B3', 'D4', 'G4'],
  ['C4', 'E4', 'G4', 'C5'], ['A3', 'C4', 'E4', 'A4'], ['D4', 'F4', 'A4', 'D5'], ['G3', 'B3', 'D4', 'G4'],
];
const CHORD_S = 2;
const STEP_S = 0.25;
const ARP = [0, 1, 2, 3, 2, 1, 2, 3]; // indexes into the chord, one per eighth note
const LOOP_S = CHORDS.length * CHORD_S;

function makeHoldMusic(out: string, tmp: string): number {
  const parts: string[] = [];
  let k = 0;
  for (const [ci, chord] of CHORDS.entries()) {
    const t0 = ci * CHORD_S;
    // pad: the triad an octave up, soft, swelling in and out over the chord
    const pad = join(tmp, `pad${ci}.wav`);
    const padNotes = chord.slice(1).map((n) => hz(n) * 2);
    run('sox', ['-R', '-D', '-n', '-r', '8000', '-c', '1', '-b', '16', pad,
      'synth', String(CHORD_S), ...padNotes.flatMap((f) => ['sine', f.toFixed(2)]),
      'remix', '-', 'gain', '-n', '-18', 'fade', 'h', '0.5', String(CHORD_S), '0.6', 'pad', String(t0)]);
    parts.push(pad);
    for (const [si, ni] of ARP.entries()) {
      const note = chord[ni]!;
      const f = hz(note) * 2; // arpeggio an octave up: 350–1200 Hz
      const file = join(tmp, `n${k++}.wav`);
      const t = t0 + si * STEP_S;
      const accent = si === 0 ? -6 : -9;
      run('sox', ['-R', '-D', '-n', '-r', '8000', '-c', '1', '-b', '16', file,
        'synth', '0.9', 'pluck', f.toFixed(2), 'gain', '-n', String(accent), 'fade', 'q', '0.005', '0.9', '0.6',
        'pad', t.toFixed(3)]);
      parts.push(file);
    }
  }
  const mixed = join(tmp, 'mixed.wav');
  // -m with -v 1 on each input: a plain sum (the parts are quiet enough not to clip)
  run('sox', ['-R', '-D', '-m', ...parts.flatMap((p) => ['-v', '1', p]), '-b', '16', mixed,
    'trim', '0', String(LOOP_S), 'fade', 't', '0.01', String(LOOP_S), '0.05']);
  // to RMS −20 dBFS
  // sox stats reports on stderr
  const statErr = spawnSync('sox', [mixed, '-n', 'stats'], { encoding: 'utf8' }).stderr;
  const m = /RMS lev dB\s+(-?[\d.]+)/.exec(statErr);
  if (!m) throw new Error(`sox stats gave no RMS level:\n${statErr}`);
  const gain = -20 - Number(m[1]);
  run('sox', ['-R', '-D', mixed, '-b', '16', '-e', 'signed-integer', out, 'gain', gain.toFixed(2)]);
  const wav = readWav(readFileSync(out));
  let sum = 0;
  let peak = 0;
  for (const s of wav.samples) { sum += s * s; peak = Math.max(peak, Math.abs(s)); }
  if (peak >= 32767) throw new Error('hold music clips');
  return Math.round(200 * Math.log10(Math.sqrt(sum / wav.samples.length) / 32768)) / 10;
}

const TABLE_START = '<!-- prompt-table:start -->';
const TABLE_END = '<!-- prompt-table:end -->';

/** The README with its prompt table (between the markers) made from the manifest. */
function readmeWithTable(readme: string, prompts: ManifestPrompt[]): string {
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`README.md lacks the ${TABLE_START} … ${TABLE_END} markers`);
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = PROMPT_IDS.map((id) => {
    const zh = prompts.find((x) => x.id === id && x.lang === 'zh-CN')!;
    const en = prompts.find((x) => x.id === id && x.lang === 'en')!;
    const secs = (ms: number): string => (ms / 1000).toFixed(1);
    return `| \`${id}\` | ${cell(zh.text)} | ${cell(en.text)} | ${secs(zh.durationMs)} / ${secs(en.durationMs)} |`;
  });
  const table = ['', '| id | zh-CN | en | seconds (zh / en) |', '|---|---|---|---|', ...rows, ''].join('\n');
  return readme.slice(0, a + TABLE_START.length) + table + readme.slice(b);
}

function main(): void {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const onlyArg = args[args.indexOf('--only') + 1];
  const only = args.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : undefined;
  const espeakNg = run('espeak-ng', ['--version']).trim();
  const sox = run('sox', ['--version']).trim();
  const tmp = mkdtempSync(join(tmpdir(), 'make-prompts-'));
  const outDir = check ? join(tmp, 'out') : PROMPTS_DIR;
  const target = (p: string): string => join(outDir, relative(PROMPTS_DIR, p));
  const differences: string[] = [];
  try {
    for (const lang of PROMPT_LANGS) mkdirSync(join(outDir, lang), { recursive: true });
    mkdirSync(join(outDir, 'music'), { recursive: true });
    const prompts: ManifestPrompt[] = [];
    for (const id of PROMPT_IDS) {
      for (const lang of PROMPT_LANGS) {
        const out = target(promptPath(id, lang));
        if (!only || only.has(id) || !existsSync(out)) makePrompt(id, lang, out, tmp);
        const buf = readFileSync(out);
        const v = CATALOG[id][lang];
        prompts.push({
          id, lang, text: v.text, speak: v.speak, voice: VOICE[v.voice].voice,
          file: relative(PROMPTS_DIR, promptPath(id, lang)), durationMs: durationMs(buf), sha256: sha256(buf),
        });
      }
    }
    const holdOut = target(holdMusicPath());
    const rmsDbfs = makeHoldMusic(holdOut, tmp);
    const hold = readFileSync(holdOut);
    const manifest: Manifest = {
      generator: 'scripts/make-prompts.ts', espeakNg, sox, format: 'WAV, 8000 Hz, mono, 16-bit PCM',
      prompts,
      music: [{ id: 'hold', file: relative(PROMPTS_DIR, holdMusicPath()), durationMs: durationMs(hold), sha256: sha256(hold), rmsDbfs }],
    };
    writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(outDir, 'README.md'), readmeWithTable(readFileSync(join(PROMPTS_DIR, 'README.md'), 'utf8'), prompts));
    if (check) {
      for (const p of [...prompts.map((x) => x.file), 'music/hold.wav', 'manifest.json', 'README.md']) {
        const a = join(PROMPTS_DIR, p);
        if (!existsSync(a) || !readFileSync(a).equals(readFileSync(join(outDir, p)))) differences.push(p);
      }
      if (differences.length > 0) {
        console.error(`differs from a fresh generation: ${differences.join(', ')}`);
        process.exitCode = 1;
      } else {
        console.log(`all ${prompts.length} prompts, hold music, manifest and README table match a fresh generation`);
      }
    } else {
      const total = prompts.reduce((n, x) => n + readFileSync(join(PROMPTS_DIR, x.file)).length, hold.length);
      console.log(`${prompts.length} prompts + hold music (${(manifest.music[0]!.durationMs / 1000).toFixed(1)} s, RMS ${rmsDbfs} dBFS): ${(total / 1e6).toFixed(2)} MB`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
