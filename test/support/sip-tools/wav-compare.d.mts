// Types for wav-compare.mjs (importable from the TypeScript tests).
export function bestLag(ref: Int16Array, rec: Int16Array, maxLag: number): { lagSamples: number; correlation: number };
/** Best-lag normalised cross-correlation of two 8 kHz mono WAVs (1 = same audio). */
export function compareWavs(refFile: string, recFile: string, maxLagMs?: number): { lagMs: number; correlation: number };
