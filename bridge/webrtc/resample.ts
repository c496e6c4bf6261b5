// Factor-of-two rate changes between 8 and 16 kHz, for a browser that sends or
// takes PCMU (8 kHz) while the bridge leg is G.722 (16 kHz). Plain
// interpolation and pair averaging: telephone-band speech only.

/** 8 kHz → 16 kHz: each sample, then the midpoint to the next. */
export function upsample2(x: Int16Array): Int16Array {
  const out = new Int16Array(x.length * 2);
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = i + 1 < x.length ? x[i + 1]! : a;
    out[2 * i] = a;
    out[2 * i + 1] = (a + b) >> 1;
  }
  return out;
}

/** 16 kHz → 8 kHz: the mean of each pair (a crude low-pass before decimation). */
export function downsample2(x: Int16Array): Int16Array {
  const out = new Int16Array(x.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (x[2 * i]! + x[2 * i + 1]!) >> 1;
  return out;
}

/** Converts between the two rates the gateway uses (a copy only when they differ). */
export function convertRate(x: Int16Array, from: 8000 | 16000, to: 8000 | 16000): Int16Array {
  if (from === to) return x;
  return from === 8000 ? upsample2(x) : downsample2(x);
}
