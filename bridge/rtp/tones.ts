// Tone generators as FrameSources: single and dual sines at a level, with an
// optional on/off cadence (ring-back, busy), beeps.
//
// Levels: dBFS per tone, 0 dBFS being a full-scale sine (peak 32767). For
// telephony levels, dBm0 per G.711: a 0 dBm0 sine is 3.17 dB below a
// full-scale sine, so dBm0 = dBFS + 3.17.
import { FRAME_SAMPLES, SAMPLE_RATE, type FrameSource } from './frame-source.ts';

export const DBM0_TO_DBFS = -3.17;

/** Peak amplitude of a sine at `dbfs` (0 dBFS = 32767). */
export function sineAmplitude(dbfs: number): number {
  return 32767 * 10 ** (dbfs / 20);
}

export interface ToneOptions {
  /** One or more frequencies in Hz, each at `levelDbfs`. */
  frequencies: readonly number[];
  /** Level of each tone in dBFS; default −13 dBFS (≈ −10 dBm0). */
  levelDbfs?: number;
  /** Total duration; for ever when omitted. */
  durationMs?: number;
  /** On/off pattern in ms, repeated: [on, off, on, off, …]. Continuous when omitted. */
  cadenceMs?: readonly number[];
}

export class ToneSource implements FrameSource {
  private readonly steps: Float64Array;
  private readonly phases: Float64Array;
  private readonly amplitude: number;
  private readonly cadence: readonly number[] | undefined;
  private readonly cycleSamples: number;
  private sample = 0;
  private readonly totalSamples: number;

  constructor(opts: ToneOptions) {
    if (opts.frequencies.length === 0) throw new RangeError('a tone needs at least one frequency');
    for (const f of opts.frequencies) {
      if (!(f > 0 && f < SAMPLE_RATE / 2)) throw new RangeError(`tone frequency ${f} Hz outside (0, 4000)`);
    }
    this.steps = Float64Array.from(opts.frequencies, (f) => (2 * Math.PI * f) / SAMPLE_RATE);
    this.phases = new Float64Array(opts.frequencies.length);
    this.amplitude = sineAmplitude(opts.levelDbfs ?? -13);
    if (this.amplitude * opts.frequencies.length > 32767) throw new RangeError('tone level would clip');
    this.totalSamples = opts.durationMs === undefined ? Infinity : Math.round((opts.durationMs * SAMPLE_RATE) / 1000);
    const cadence = opts.cadenceMs?.map((ms) => Math.round((ms * SAMPLE_RATE) / 1000));
    if (cadence && (cadence.length === 0 || cadence.length % 2 !== 0 || cadence.some((n) => n < 0))) {
      throw new RangeError('cadence must be pairs of non-negative on/off durations');
    }
    this.cadence = cadence;
    this.cycleSamples = cadence ? cadence.reduce((a, b) => a + b, 0) : 0;
    if (cadence && this.cycleSamples === 0) throw new RangeError('cadence cycle is empty');
  }

  private isOn(sample: number): boolean {
    if (!this.cadence) return true;
    let t = sample % this.cycleSamples;
    for (let i = 0; i < this.cadence.length; i++) {
      if (t < this.cadence[i]!) return i % 2 === 0;
      t -= this.cadence[i]!;
    }
    return false;
  }

  next(out?: Int16Array): Int16Array | null {
    if (this.sample >= this.totalSamples) return null;
    const frame = out ?? new Int16Array(FRAME_SAMPLES);
    if (frame.length < FRAME_SAMPLES) throw new RangeError(`frame buffer holds ${frame.length} samples`);
    const tones = this.steps.length;
    for (let i = 0; i < FRAME_SAMPLES; i++, this.sample++) {
      if (this.sample >= this.totalSamples || !this.isOn(this.sample)) {
        frame[i] = 0;
        continue;
      }
      let v = 0;
      for (let k = 0; k < tones; k++) {
        v += Math.sin(this.phases[k]!);
        this.phases[k] = (this.phases[k]! + this.steps[k]!) % (2 * Math.PI);
      }
      frame[i] = Math.round(v * this.amplitude);
    }
    return frame;
  }
}

/** Call-progress tones of the countries we serve. */
export const TONE_PLANS = {
  // China (YD/T 1970 / GB 3380): 450 Hz; ring-back 1 s on 4 s off, busy 0.35 s on 0.35 s off.
  CN: {
    ringback: { frequencies: [450], cadenceMs: [1000, 4000] },
    busy: { frequencies: [450], cadenceMs: [350, 350] },
    dial: { frequencies: [450] },
  },
  // North America (ANSI T1.401): ring-back 440+480 Hz 2 s on 4 s off, busy 480+620 Hz 0.5/0.5 s.
  US: {
    ringback: { frequencies: [440, 480], cadenceMs: [2000, 4000] },
    busy: { frequencies: [480, 620], cadenceMs: [500, 500] },
    dial: { frequencies: [350, 440] },
  },
} as const satisfies Record<string, Record<'ringback' | 'busy' | 'dial', Omit<ToneOptions, 'levelDbfs' | 'durationMs'>>>;

export type ToneCountry = keyof typeof TONE_PLANS;
export type ProgressTone = keyof (typeof TONE_PLANS)['CN'];

export function progressTone(country: ToneCountry, tone: ProgressTone, opts: { levelDbfs?: number; durationMs?: number } = {}): ToneSource {
  return new ToneSource({ ...TONE_PLANS[country][tone], ...opts });
}

export function ringbackTone(country: ToneCountry, durationMs?: number): ToneSource {
  return progressTone(country, 'ringback', durationMs === undefined ? {} : { durationMs });
}

/** A short beep (default 1 kHz, 200 ms, −13 dBFS), e.g. before recording or on join. */
export function beep(opts: { frequency?: number; durationMs?: number; levelDbfs?: number } = {}): ToneSource {
  return new ToneSource({
    frequencies: [opts.frequency ?? 1000],
    durationMs: opts.durationMs ?? 200,
    levelDbfs: opts.levelDbfs ?? -13,
  });
}
