// What a call leg needs from its media stream. The RTP implementation lives
// in bridge/rtp; the engine only sees this.
import type { TypedEmitter } from '../../common/events.ts';
import type { DtmfEvent, LegStats } from '../port.ts';
import type { NegotiatedAudio } from '../sip/sdp.ts';
import type { FrameSource } from '../rtp/frame-source.ts';

export type { FrameSource };

export type LegMediaEvents = {
  dtmf: [event: DtmfEvent];
  stats: [stats: LegStats];
  /** One decoded 20 ms frame of the caller's audio (160 samples, 8 kHz). */
  audio: [pcm: Int16Array];
  /** The source given to setSource() has returned null (finished). */
  sourceEnded: [source: FrameSource];
};


export interface LegMedia extends TypedEmitter<LegMediaEvents> {
  readonly localAddress: string;
  readonly localPort: number;
  /** Start, or change after a re-INVITE: where to send, which codec, which direction. */
  configure(audio: NegotiatedAudio): void;
  /** Replace what the caller hears (null = silence, still sent every 20 ms). */
  setSource(source: FrameSource | null): void;
  /** RFC 4733 telephone-events; resolves when the last digit has been sent. */
  sendDigits(digits: string, opts?: { durationMs?: number; gapMs?: number }): Promise<void>;
  readonly hasTelephoneEvent: boolean;
  close(): void;
}

export interface LegMediaFactory {
  create(callId: string): Promise<LegMedia>;
}
