// The media port: what the IVR, dialer and web see of telephony, whichever
// engine (embedded, or drachtio + FreeSWITCH) runs underneath. Everything
// above this file talks in these terms only.
import type { Q850Cause } from './q850.ts';

export type { Q850Cause } from './q850.ts';

/** Something to play to a caller. */
export type PromptRef =
  /** A WAV file (8 kHz mono, PCM16 or G.711). */
  | { file: string; loop?: boolean }
  /** A tone: one or two frequencies, with an optional on/off cadence. */
  | { tone: { freqs: number[]; levelDbfs?: number; onMs?: number; offMs?: number; totalMs: number } }
  | { silenceMs: number };

export type DtmfSource = 'rfc4733' | 'info' | 'inband';

export interface DtmfEvent {
  /** One of 0-9 * # A-D. */
  digit: string;
  source: DtmfSource;
  durationMs?: number;
}

/** Per-leg network figures for the live console (RTCP and the receive side). */
export interface LegStats {
  packetsReceived: number;
  packetsSent: number;
  packetsLost: number;
  /** 0..1 over the last report interval. */
  fractionLost: number;
  jitterMs: number;
  rttMs?: number;
}

export interface HangupInfo {
  by: 'local' | 'remote' | 'timeout' | 'error';
  cause: Q850Cause;
  sipStatus?: number;
}

export interface PlayResult {
  /** True when a key interrupted the playback (the key is left for collect()). */
  interrupted: boolean;
}

export interface CollectOptions {
  /** Most digits to collect (a terminator ends earlier). */
  max: number;
  /** Ends collection; not included in the result. */
  terminator?: string;
  /** Time for the first digit, ms; the result is '' if none comes. */
  firstTimeoutMs: number;
  /** Time between digits, ms. */
  interTimeoutMs: number;
}

export interface RecordOptions {
  /** WAV file to write (8 kHz mono PCM16). */
  path: string;
  maxMs: number;
  /** A key that ends the recording (not recorded). */
  terminator?: string;
}

export interface Recording {
  path: string;
  durationMs: number;
  /** Why it stopped. */
  endedBy: 'terminator' | 'max' | 'hangup';
}

export type CallLegEvents = {
  dtmf: [event: DtmfEvent];
  hangup: [info: HangupInfo];
  stats: [stats: LegStats];
  /** The far end put the call on hold (true) or took it off (false). */
  hold: [held: boolean];
};

/** One answered call. */
export interface CallLeg {
  readonly id: string;
  /** SIP Call-ID (for logs and CDRs). */
  readonly callId: string;
  /** Caller (user part of From, or the whole URI when it has none). */
  readonly from: string;
  /** Called (user part of the Request-URI / To). */
  readonly to: string;
  readonly direction: 'in' | 'out';
  readonly answeredAt: Date;
  /** Negotiated audio codec. */
  readonly codec: 'PCMU' | 'PCMA' | 'G722';
  readonly ended: boolean;
  play(prompt: PromptRef | PromptRef[], opts?: { interruptible?: boolean }): Promise<PlayResult>;
  collect(opts: CollectOptions): Promise<string>;
  record(opts: RecordOptions): Promise<Recording>;
  /** Sends digits as RFC 4733 telephone-events (or SIP INFO when the peer has none). */
  sendDtmf(digits: string): Promise<void>;
  hangup(cause?: Q850Cause): Promise<void>;
  on<K extends keyof CallLegEvents>(event: K, fn: (...args: CallLegEvents[K]) => void): unknown;
  off<K extends keyof CallLegEvents>(event: K, fn: (...args: CallLegEvents[K]) => void): unknown;
}

/** A call that is ringing at the bridge; the application answers or refuses it. */
export interface IncomingCall {
  readonly id: string;
  readonly callId: string;
  /** User part of the From URI (the caller's number), or '' when absent. */
  readonly from: string;
  readonly fromDisplayName?: string;
  /** User part of the Request-URI (the dialled number or room). */
  readonly to: string;
  readonly requestUri: string;
  readonly transport: 'udp' | 'tcp' | 'tls';
  readonly sourceAddress: string;
  header(name: string): string | undefined;
  /** Sends 180 Ringing. */
  ring(): void;
  /** Answers (200 OK with our SDP); resolves when the caller's ACK arrives. */
  answer(): Promise<CallLeg>;
  /**
   * Refuses the call with the SIP status matching the cause (RFC 3398);
   * `retryAfterS` adds a Retry-After (RFC 3261 §20.33) to a 503 or 486.
   */
  reject(cause: Q850Cause, opts?: { retryAfterS?: number }): void;
  /** The caller hung up before the answer. */
  onCancel(fn: () => void): void;
}

export interface DialTarget {
  /** A SIP URI: `sip:user@host[:port][;transport=tcp]`. */
  uri: string;
}

export type CallProgress = 'ringing' | 'early-media';

export interface OriginateOptions {
  /** Our identity in From. */
  from: { user: string; displayName?: string };
  /** Give up (CANCEL) after this long without an answer; Q.850 19 (or 18 when it never rang). */
  noAnswerTimeoutMs?: number;
  onProgress?: (p: CallProgress) => void;
  /** Aborting cancels the call (CANCEL before answer). */
  signal?: AbortSignal;
  /** The codecs offered, in this order (default: every codec of the engine); e.g. the caller's own, so the far end can be bridged to it packet for packet. */
  codecs?: readonly CallLeg['codec'][];
  /** Extra SIP headers on the INVITE (e.g. another node's signed join token); names must be tokens, values one line. */
  headers?: Record<string, string>;
  /** Digest credentials answered to a 401/407 from the trunk (RFC 3261 §22); never logged. */
  auth?: { username: string; password: string };
  /**
   * Awaited just before the INVITE leaves (its media is ready): a trunk's
   * calls-per-second gate, so the carrier sees the pace the gate keeps. A
   * rejection (a CallFailedError) fails the call with no INVITE sent.
   */
  beforeSend?: () => Promise<void>;
}

export type IncomingHandler = (call: IncomingCall) => void;

export interface ConferenceOptions {
  /** Most members mixed at once (the loudest talkers); default 4. */
  maxTalkers?: number;
  /** A short tone to the room when someone joins or leaves; default true. */
  joinLeaveTones?: boolean;
}

export interface MemberOptions {
  /** Not heard by the others (still hears the room). */
  muted?: boolean;
  /** Hears nothing of the room. */
  deaf?: boolean;
  /** Hears only this (hold music) and is not heard; null ends holding. */
  hold?: PromptRef | null;
  /** Gain on what the member says, dB (0 = as received); the engine's range is [−60, 24]. */
  talkDb?: number;
  /** Gain on what the member hears, dB (0 = as mixed); the engine's range is [−60, 24]. */
  listenDb?: number;
}

export interface ConferenceMember {
  readonly leg: CallLeg;
  readonly muted: boolean;
  readonly deaf: boolean;
  readonly holding: boolean;
  readonly talking: boolean;
  update(opts: MemberOptions): Promise<void>;
  /** Leaves the mix; the leg goes on (prompts, a private call, another room). */
  leave(): Promise<void>;
}

export type ConferenceEvents = {
  talking: [member: ConferenceMember, talking: boolean];
  /** A member left: by leave(), by hanging up, or when the conference closed. */
  'member-left': [member: ConferenceMember];
  /**
   * The recording stopped on its own: its file could not be written (disk
   * full, I/O error: `reason` is the errno code) or its media worker died.
   * The mix goes on; stopRecording() now answers null.
   */
  'recording-failed': [failure: { path: string; reason: string; durationMs: number }];
};

/**
 * One mixed conversation. Room rules (roles, locking, who joined last, wait
 * for chair) live above the port, in ivr/ and core/.
 */
export interface Conference {
  readonly id: string;
  readonly name: string;
  readonly members: readonly ConferenceMember[];
  join(leg: CallLeg, opts?: MemberOptions): Promise<ConferenceMember>;
  /** A prompt heard by everyone, mixed with the talk; resolves when it has played. */
  playToAll(prompt: PromptRef | PromptRef[]): Promise<void>;
  /** Records the mix (everyone's voice and the prompts) to a WAV file. */
  startRecording(path: string): Promise<void>;
  stopRecording(): Promise<{ path: string; durationMs: number } | null>;
  /** Every member leaves (their legs go on); the recording stops. */
  close(): Promise<void>;
  on<K extends keyof ConferenceEvents>(event: K, fn: (...args: ConferenceEvents[K]) => void): unknown;
  off<K extends keyof ConferenceEvents>(event: K, fn: (...args: ConferenceEvents[K]) => void): unknown;
}

/** Two legs bridged by Engine.bridge(). */
export interface LegBridge {
  /** Whether the far ends' media flows directly between them. */
  readonly direct: boolean;
  /**
   * Ends the bridge; the legs stay up (each hears silence). A direct bridge
   * first points `a`'s far end back at this node (awaited) and `b`'s (not
   * awaited: b is typically ended next).
   */
  close(): Promise<void>;
}

/** Whether the engine can take calls now, part by part (for /readyz): true, or the reason it cannot. */
export type EngineReadiness = Record<string, true | string>;

/** The engine: places and takes calls, and mixes them into conferences. */
export interface Engine {
  start(): Promise<void>;
  close(): Promise<void>;
  /** Each part the engine needs (the SIP socket, the media workers), checked within a short bound. */
  readiness(): Promise<EngineReadiness>;
  onIncoming(handler: IncomingHandler): void;
  /** Resolves with the answered leg; rejects with CallFailedError (Q.850 cause, SIP status). */
  originate(target: DialTarget, opts: OriginateOptions): Promise<CallLeg>;
  createConference(name: string, opts?: ConferenceOptions): Conference;
  /**
   * Bridges two answered legs directly, each hearing the other as it sends:
   * packets pass without decoding or mixing, so both legs must have the same
   * codec (rejects otherwise, and nothing changes). `direct`: the two far
   * ends are pointed at each other with re-INVITEs and their media no longer
   * passes through this node at all (plain RTP only; rejects, leaving the
   * legs as they were, when a far end refuses). An engine without it leaves
   * the caller to use a two-party conference.
   */
  bridge?(a: CallLeg, b: CallLeg, opts?: { direct?: boolean }): Promise<LegBridge>;
  /**
   * Draining (SIGTERM, app/drain.ts): from now on a new call is refused —
   * an incoming INVITE with 503 and Retry-After (RFC 3261 §21.5.4), an
   * originate() with CallFailedError (Q.850 41, SIP 503); calls already up go on.
   */
  refuseNewCalls(opts: { retryAfterS: number }): void;
  /** True once refuseNewCalls() was called (for readiness: /readyz answers 503 while draining). */
  readonly draining: boolean;
}
