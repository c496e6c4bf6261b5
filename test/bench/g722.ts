// G.722 codec cost per 20 ms frame (320 samples at 16 kHz ⇄ 160 bytes), for
// each entry point the media worker would call per wideband member and tick:
// encode/decode (16 kHz PCM) and encodeBands/decodeBands (the two 8 kHz bands,
// no QMF), plus the QMF alone. The signal is 1 s of two tones with noise,
// looped, so the quantiser and predictor see varied input. Median of runs, and
// the minimum (the least disturbed by a busy machine). Run: `make bench B=g722`.
import { G722Decoder, G722Encoder, QmfAnalysis, QmfSynthesis } from '../../bridge/rtp/g722.ts';

const FRAME_BYTES = 160;
const FRAMES = 50;

export interface G722BenchRow {
  operation: string;
  medianUs: number;
  minUs: number;
}

function signal(): Int16Array {
  const pcm = new Int16Array(2 * FRAME_BYTES * FRAMES);
  let x = 1;
  for (let i = 0; i < pcm.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const t = i / 16000;
    pcm[i] = Math.round(6000 * Math.sin(2 * Math.PI * 440 * t) + 3000 * Math.sin(2 * Math.PI * 5200 * t) + ((x >>> 20) - 2048));
  }
  return pcm;
}

/** µs per frame: `frame(k)` does frame k of FRAMES; runs × framesPerRun frames after a warm-up. */
function measure(operation: string, frame: (k: number) => void, runs = 7, framesPerRun = 2000): G722BenchRow {
  for (let i = 0; i < 2000; i++) frame(i % FRAMES);
  const perFrame: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < framesPerRun; i++) frame(i % FRAMES);
    perFrame.push(Number(process.hrtime.bigint() - start) / 1e3 / framesPerRun);
  }
  perFrame.sort((a, b) => a - b);
  return { operation, medianUs: perFrame[runs >> 1]!, minUs: perFrame[0]! };
}

export function benchG722(): G722BenchRow[] {
  const pcm = signal();
  const bytes = new G722Encoder().encode(pcm, new Uint8Array(FRAME_BYTES * FRAMES));
  const low = new Int16Array(FRAME_BYTES * FRAMES);
  const high = new Int16Array(FRAME_BYTES * FRAMES);
  new QmfAnalysis().split(pcm, low, high, FRAME_BYTES * FRAMES);

  const encoder = new G722Encoder();
  const bandEncoder = new G722Encoder();
  const decoder = new G722Decoder();
  const bandDecoder = new G722Decoder();
  const analysis = new QmfAnalysis();
  const synthesis = new QmfSynthesis();
  const outBytes = new Uint8Array(FRAME_BYTES);
  const outPcm = new Int16Array(2 * FRAME_BYTES);
  const outLow = new Int16Array(FRAME_BYTES);
  const outHigh = new Int16Array(FRAME_BYTES);
  const pcmFrame = (k: number) => pcm.subarray(2 * FRAME_BYTES * k, 2 * FRAME_BYTES * (k + 1));
  const bandFrame = (band: Int16Array, k: number) => band.subarray(FRAME_BYTES * k, FRAME_BYTES * (k + 1));
  const pcmFrames = Array.from({ length: FRAMES }, (_, k) => pcmFrame(k));
  const lowFrames = Array.from({ length: FRAMES }, (_, k) => bandFrame(low, k));
  const highFrames = Array.from({ length: FRAMES }, (_, k) => bandFrame(high, k));

  return [
    measure('encode (320 samples → 160 bytes)', (k) => { encoder.encode(pcmFrames[k]!, outBytes, FRAME_BYTES); }),
    measure('decode (160 bytes → 320 samples)', (k) => { decoder.decode(bytes, outPcm, FRAME_BYTES * k, FRAME_BYTES); }),
    measure('encodeBands (2 × 160 samples → 160 bytes)', (k) => { bandEncoder.encodeBands(lowFrames[k]!, highFrames[k]!, outBytes, FRAME_BYTES); }),
    measure('decodeBands (160 bytes → 2 × 160 samples)', (k) => { bandDecoder.decodeBands(bytes, FRAME_BYTES * k, FRAME_BYTES, outLow, outHigh); }),
    measure('QMF split (320 samples → 2 × 160)', (k) => { analysis.split(pcmFrames[k]!, outLow, outHigh, FRAME_BYTES); }),
    measure('QMF join (2 × 160 → 320 samples)', (k) => { synthesis.join(lowFrames[k]!, highFrames[k]!, outPcm, FRAME_BYTES); }),
  ];
}

export function formatG722(rows: readonly G722BenchRow[]): string {
  const lines = ['| operation (one 20 ms frame) | µs median | µs min |', '|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.operation} | ${r.medianUs.toFixed(2)} | ${r.minUs.toFixed(2)} |`);
  return lines.join('\n');
}
