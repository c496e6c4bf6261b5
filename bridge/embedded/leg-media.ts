// What a call leg needs from its media stream. The media itself runs in a
// media worker (bridge/embedded/media/); the engine only sees this.
import type { TypedEmitter } from '../../common/events.ts';
import type { DtmfEvent, LegStats, PlayResult, PromptRef, Recording, RecordOptions } from '../port.ts';
import type { NegotiatedAudio } from '../sip/sdp/types.ts';

export type LegMediaEvents = {
  dtmf: [event: DtmfEvent];
  stats: [stats: LegStats];
  /** The media of this leg is lost (its worker died): the call must end. */
  failed: [err: Error];
};

export interface LegMedia extends TypedEmitter<LegMediaEvents> {
  readonly localPort: number;
  readonly hasTelephoneEvent: boolean;
  /** Start, or change after a re-INVITE: where to send, which codec, which direction. */
  configure(audio: NegotiatedAudio): void;
  /** Plays prompts to this leg (inside a conference: to this member only, mixed with the room). */
  play(prompts: PromptRef[], opts: { interruptible: boolean }): Promise<PlayResult>;
  stopPlay(): void;
  record(opts: RecordOptions): Promise<Recording>;
  /** RFC 4733 telephone-events; resolves when the last digit has been sent. */
  sendDigits(digits: string, opts?: { durationMs?: number; gapMs?: number }): Promise<void>;
  close(): void;
}

export interface LegMediaFactory {
  create(callId: string): Promise<LegMedia>;
}
