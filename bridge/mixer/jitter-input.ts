// A member's mixer input read from its jitter buffer: one get() per tick.
// Frames the buffer reports as silence (not started yet, or past the loss
// concealment) are given to the mixer as "no audio", which costs it nothing.
import type { FrameSource } from '../rtp/frame-source.ts';
import type { JitterFrame } from '../rtp/jitter-buffer.ts';

export interface FrameGetter {
  get(out?: Int16Array): JitterFrame;
}

export function jitterBufferInput(buffer: FrameGetter): FrameSource {
  return {
    next(out?: Int16Array): Int16Array | null {
      const frame = buffer.get(out);
      return frame.kind === 'silence' ? null : frame.samples;
    },
  };
}
