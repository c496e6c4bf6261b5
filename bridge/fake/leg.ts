// A fake call leg: no SIP, no RTP, the same contract as the embedded leg
// (bridge/embedded/call-leg.ts). Keys the person types go into a buffer that
// collect() reads (type-ahead kept, 64 at most); a key cuts an interruptible
// prompt short and stays for collect(); an interruptible prompt is skipped
// when a key is already waiting; a recording ends on its terminator key (the
// key is not left for collect()), its length or the hang-up; play() after
// the hang-up throws InvalidStateError; network figures come when the test
// reports them (reportStats). Every prompt that starts playing is
// written down (`heard`), and so is how the call ended.
import { InvalidStateError } from '../../common/errors.ts';
import { TypedEmitter } from '../../common/events.ts';
import type {
  CallLeg, CallLegEvents, CollectOptions, HangupInfo, LegStats, PlayResult, PromptRef, Recording, RecordOptions,
} from '../port.ts';
import { Q850, type Q850Cause } from '../q850.ts';
import type { FakeClock } from './clock.ts';
import { labelOf, lengthOf } from './prompt.ts';
import { DEFAULT_KEY_GAP_MS, type CallerScript, type ScriptAction } from './script.ts';

const DTMF_DIGITS = '0123456789*#ABCD';
const MAX_BUFFERED = 64;

export interface HeardPrompt {
  /** The file's name without .wav, `tone:<freqs>` or `silence:<ms>`. */
  name: string;
  /** The file's folder (the prompt's language), '' for tones and silence. */
  folder: string;
  /** Fake ms when it started. */
  at: number;
  /** Fake ms when it stopped (played out, cut short or hung up); undefined while it plays. */
  endedAt?: number;
  /** Cut short by a key. */
  interrupted: boolean;
}

export interface FakeLegInit {
  id: string;
  callId: string;
  from: string;
  to: string;
  direction: 'in' | 'out';
  clock: FakeClock;
  script: CallerScript;
}

type PlayEnd = 'done' | 'interrupted' | 'hangup';

export class FakeCallLeg extends TypedEmitter<CallLegEvents> implements CallLeg {
  readonly id: string;
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly direction: 'in' | 'out';
  readonly answeredAt: Date;
  readonly codec = 'PCMU' as const;
  /** Every prompt that started playing to this leg, in order. */
  readonly heard: HeardPrompt[] = [];
  /** Keys the bridge sent on this leg (sendDtmf). */
  sentDtmf = '';
  /** Recordings made on this leg (no file is written). */
  readonly recordings: Recording[] = [];
  /** How the call ended, once it has. */
  hangupInfo: HangupInfo | undefined;
  readonly script: CallerScript;
  private readonly clock: FakeClock;
  private readonly digitBuffer: string[] = [];
  private readonly digitWaiters = new Set<() => void>();
  private playing: { interruptible: boolean; stop: (end: PlayEnd) => void } | undefined;
  private recording: { terminator: string; stop: (endedBy: Recording['endedBy']) => void } | undefined;

  constructor(init: FakeLegInit) {
    super();
    this.id = init.id;
    this.callId = init.callId;
    this.from = init.from;
    this.to = init.to;
    this.direction = init.direction;
    this.clock = init.clock;
    this.script = init.script;
    this.answeredAt = init.clock.date();
    for (const t of this.script.timedActions()) this.clock.setTimer(t.atMs, () => this.act(t.action));
  }

  get ended(): boolean { return this.hangupInfo !== undefined; }

  /** The names of the prompts heard, in order. */
  get prompts(): string[] { return this.heard.map((h) => h.name); }

  /** Is a prompt playing to this leg now? */
  get isPlaying(): boolean { return this.playing !== undefined; }

  // ---- the person on the line ----

  /** Types `keys`: the first now (once the clock moves), then one every `gapMs`. */
  press(keys: string, gapMs = DEFAULT_KEY_GAP_MS): void {
    [...keys].forEach((k, i) => this.clock.setTimer(i * gapMs, () => this.digit(k)));
  }

  /** The network figures of the leg change (as RTCP reports and the receive side would say). */
  reportStats(stats: LegStats): void {
    if (this.ended) return;
    this.clock.touch();
    this.emit('stats', stats);
  }

  /** The person hangs up. */
  remoteHangup(cause: Q850Cause = Q850.NORMAL_CLEARING): void {
    this.end({ by: 'remote', cause });
  }

  private act(action: ScriptAction): void {
    if (action.kind === 'keys') this.press(action.keys, action.gapMs);
    else this.remoteHangup(action.cause);
  }

  private digit(d: string): void {
    if (this.ended) return;
    this.clock.touch();
    this.digitBuffer.push(d);
    if (this.digitBuffer.length > MAX_BUFFERED) this.digitBuffer.shift();
    if (this.recording?.terminator.includes(d)) this.recording.stop('terminator');
    if (this.playing?.interruptible) this.playing.stop('interrupted');
    for (const w of [...this.digitWaiters]) w();
    this.emit('dtmf', { digit: d, source: 'rfc4733' });
  }

  private end(info: HangupInfo): void {
    if (this.ended) return;
    this.hangupInfo = info;
    this.clock.touch();
    this.playing?.stop('hangup');
    this.recording?.stop('hangup');
    for (const w of [...this.digitWaiters]) w();
    this.emit('hangup', info);
  }

  // ---- CallLeg ----

  async hangup(cause: Q850Cause = Q850.NORMAL_CLEARING): Promise<void> {
    this.end({ by: 'local', cause });
  }

  async play(prompt: PromptRef | PromptRef[], opts: { interruptible?: boolean } = {}): Promise<PlayResult> {
    if (this.ended) throw new InvalidStateError('call has ended');
    this.clock.touch();
    const interruptible = opts.interruptible ?? false;
    // Type-ahead: a key already pressed skips an interruptible prompt.
    if (interruptible && this.digitBuffer.length > 0) return { interrupted: true };
    for (const ref of Array.isArray(prompt) ? prompt : [prompt]) {
      const heard: HeardPrompt = { ...labelOf(ref), at: this.clock.now(), interrupted: false };
      this.heard.push(heard);
      this.follow(this.script.take(heard.name, 'start'));
      const end = await this.playOne(ref, interruptible);
      heard.endedAt = this.clock.now();
      if (end === 'interrupted') { heard.interrupted = true; return { interrupted: true }; }
      if (end === 'hangup') return { interrupted: false };
      this.follow(this.script.take(heard.name, 'end'));
    }
    return { interrupted: false };
  }

  private follow(step: { delayMs: number; action: ScriptAction } | undefined): void {
    if (step) this.clock.setTimer(step.delayMs, () => this.act(step.action));
  }

  private playOne(ref: PromptRef, interruptible: boolean): Promise<PlayEnd> {
    const length = lengthOf(ref);
    return new Promise((resolve) => {
      const timer = length === 'loop' ? undefined : this.clock.setTimer(length, () => stop('done'));
      const stop = (end: PlayEnd) => {
        this.clock.clearTimer(timer);
        this.playing = undefined;
        resolve(end);
      };
      this.playing = { interruptible, stop };
    });
  }

  private waitDigit(timeoutMs: number): Promise<string | undefined> {
    const buffered = this.digitBuffer.shift();
    if (buffered !== undefined) return Promise.resolve(buffered);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = () => {
        this.clock.clearTimer(timer);
        this.digitWaiters.delete(done);
        resolve(this.digitBuffer.shift());
      };
      const timer = this.clock.setTimer(timeoutMs, done);
      this.digitWaiters.add(done);
    });
  }

  async collect(opts: CollectOptions): Promise<string> {
    this.clock.touch();
    let out = '';
    for (let i = 0; i <= opts.max; i++) {
      const d = await this.waitDigit(out === '' ? opts.firstTimeoutMs : opts.interTimeoutMs);
      if (d === undefined) break;
      if (opts.terminator && opts.terminator.includes(d)) break;
      out += d;
      if (out.length >= opts.max) break;
    }
    return out;
  }

  async record(opts: RecordOptions): Promise<Recording> {
    if (this.ended) throw new InvalidStateError('call has ended');
    this.clock.touch();
    const started = this.clock.now();
    const endedBy = await new Promise<Recording['endedBy']>((resolve) => {
      const timer = this.clock.setTimer(opts.maxMs, () => stop('max'));
      const stop = (why: Recording['endedBy']) => {
        this.clock.clearTimer(timer);
        this.recording = undefined;
        resolve(why);
      };
      this.recording = { terminator: opts.terminator ?? '', stop };
    });
    if (endedBy === 'terminator' && opts.terminator) {
      // The terminator key belongs to the recording, not to a later collect().
      const i = this.digitBuffer.findIndex((d) => opts.terminator!.includes(d));
      if (i >= 0) this.digitBuffer.splice(i, 1);
    }
    const rec: Recording = { path: opts.path, durationMs: this.clock.now() - started, endedBy };
    this.recordings.push(rec);
    return rec;
  }

  async sendDtmf(digits: string): Promise<void> {
    if (this.ended) throw new InvalidStateError('call has ended');
    const clean = digits.toUpperCase().split('').filter((d) => DTMF_DIGITS.includes(d)).join('');
    if (clean.length !== digits.length) throw new RangeError(`not DTMF digits: ${digits}`);
    this.clock.touch();
    this.sentDtmf += clean;
  }
}
