// The message contract between the control thread (SIP, IVR, web) and a media
// worker (RTP sockets, jitter buffers, DTMF detection, prompts, recording and
// conference mixing). Requests carry an id and get exactly one reply; events
// flow from the worker unasked. Everything here is structured-clone safe.
import type { DtmfSource, LegStats, PromptRef, Recording } from '../../port.ts';
import type { RtpSessionState } from '../../rtp/session.ts';
import type { NegotiatedAudio } from '../../sip/sdp/types.ts';
import type { ExchangeLink } from './shard-exchange.ts';

export interface ConferenceSettings {
  maxTalkers?: number;
  /** This shard's place in the talker exchange of a conference spread over workers. */
  exchange?: ExchangeLink;
  /** Tones when members join and leave (heard by the others). */
  joinLeaveTones?: boolean;
}

export interface MemberSettings {
  muted?: boolean;
  deaf?: boolean;
  /** Hold music (the member hears only this and is not heard); null ends holding. */
  hold?: PromptRef | null;
  /** The mixer's input gain of the member, dB. */
  talkDb?: number;
  /** The mixer's output gain of the member, dB. */
  listenDb?: number;
}

export type MediaRequest =
  | { op: 'leg.create'; legId: string; rtpPort: number; host: string }
  | { op: 'leg.attach'; legId: string; rtpPort: number; host: string; state: LegState }
  | { op: 'leg.detach'; legId: string }
  | { op: 'leg.configure'; legId: string; audio: NegotiatedAudio }
  | { op: 'leg.play'; legId: string; playId: string; prompts: PromptRef[]; interruptible: boolean }
  | { op: 'leg.stopPlay'; legId: string }
  | { op: 'leg.record'; legId: string; recId: string; path: string; maxMs: number; terminator?: string }
  | { op: 'leg.sendDigits'; legId: string; digits: string; durationMs?: number; gapMs?: number }
  | { op: 'leg.close'; legId: string }
  /**
   * Bridges two legs of this worker packet for packet (same codec), or with
   * `park` pairs them passing nothing (their far ends talk directly); peerId
   * null ends the leg's bridge (both sides).
   */
  | { op: 'leg.patch'; legId: string; peerId: string | null; park?: boolean }
  | { op: 'conf.create'; confId: string; settings: ConferenceSettings }
  | { op: 'conf.link'; confId: string; exchange: ExchangeLink }
  | { op: 'conf.join'; confId: string; legId: string; member: MemberSettings }
  | { op: 'conf.update'; confId: string; legId: string; member: MemberSettings }
  | { op: 'conf.leave'; confId: string; legId: string }
  | { op: 'conf.playToAll'; confId: string; playId: string; prompts: PromptRef[] }
  | { op: 'conf.stopPlayToAll'; confId: string }
  | { op: 'conf.record'; confId: string; path: string }
  | { op: 'conf.stopRecord'; confId: string }
  | { op: 'conf.close'; confId: string }
  | { op: 'stats' }
  | { op: 'counters' };

/** Replies per operation (what `result` holds when ok). */
export interface MediaResults {
  'leg.create': { localPort: number };
  'leg.attach': { localPort: number };
  'leg.detach': LegState;
  'leg.configure': null;
  'leg.play': null;
  'leg.stopPlay': null;
  'leg.record': null;
  'leg.sendDigits': null;
  'leg.close': null;
  'leg.patch': null;
  'conf.create': null;
  'conf.link': null;
  'conf.join': null;
  'conf.update': null;
  'conf.leave': null;
  'conf.playToAll': null;
  'conf.stopPlayToAll': null;
  'conf.record': null;
  'conf.stopRecord': { path: string; durationMs: number } | null;
  'conf.close': null;
  stats: WorkerStats;
  counters: WorkerCounters;
}

export type MediaOp = MediaRequest['op'];

/** The request of one operation. */
export type MediaRequestOf<K extends MediaOp> = Extract<MediaRequest, { op: K }>;

/** What a media host answers with: one handler per operation, typed by its request and its result. */
export type MediaHandlers = {
  [K in MediaOp]: (req: MediaRequestOf<K>) => MediaResults[K] | Promise<MediaResults[K]>;
};

export interface WorkerStats {
  legs: number;
  conferences: number;
  members: number;
  /** Ticks run late (timer fired more than a frame late) and ticks skipped after stalls. */
  lateTicks: number;
  skippedTicks: number;
  /** Mean and worst duration of a tick's work, ms, since the last stats request. */
  tickMeanMs: number;
  tickMaxMs: number;
  /** Of tickMeanMs: reading the sockets (poll) and sending the tick's packets (flush); the rest is mixing and coding. */
  pollMeanMs: number;
  flushMeanMs: number;
  /** 'native': batched UDP through the addon; 'dgram': node:dgram. */
  io: 'native' | 'dgram';
  /** Jitter buffer delay targets of the legs now: mean and largest, ms. */
  jitterTargetMeanMs: number;
  jitterTargetMaxMs: number;
}

/** Upper bounds (ms) of the tick-time histogram's buckets; one more bucket holds the rest. */
export const TICK_BUCKETS_MS: readonly number[] = [0.25, 0.5, 1, 2, 5, 10, 20, 50];

/** What one leg has counted (RTP packets, and its jitter buffers' lost and late frames). */
export interface LegCounts {
  packetsIn: number;
  packetsOut: number;
  framesLost: number;
  framesLate: number;
}

/**
 * A worker's cumulative figures since it started (worker/media-counters.ts),
 * for /metrics; unlike WorkerStats, reading them resets nothing.
 */
export interface WorkerCounters extends LegCounts {
  /** Ticks per bucket of TICK_BUCKETS_MS (not cumulative); the last holds the ticks above its largest bound. */
  tickBuckets: number[];
  tickSumMs: number;
  tickCount: number;
  /** Audio waiting in the legs' jitter buffers now: mean and largest, ms. */
  jitterDepthMeanMs: number;
  jitterDepthMaxMs: number;
}

/** A leg's state when it moves from one worker to another. */
export interface LegState {
  rtp: RtpSessionState;
  audio: NegotiatedAudio | undefined;
  rfc4733Seen: boolean;
}

export type MediaEvent =
  | { event: 'dtmf'; legId: string; digit: string; source: DtmfSource; durationMs?: number }
  | { event: 'stats'; legId: string; stats: LegStats }
  | { event: 'playEnded'; playId: string; interrupted: boolean }
  | { event: 'recordEnded'; recId: string; result: Recording | { error: string } }
  | { event: 'talking'; confId: string; legId: string; talking: boolean }
  /** The mix's recording stopped on its own: its file could not be written (`reason`: the errno code, e.g. ENOSPC). */
  | { event: 'recordFailed'; confId: string; path: string; reason: string; durationMs: number };

export type ToWorker = { id: number; req: MediaRequest };
export type FromWorker =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string; code?: string }
  | { id?: undefined; ev: MediaEvent };
