// Wrong PINs (SPEC §2.3), counted across calls in memory on this node, so
// that an attacker cannot lock a room's real participants out:
//   - per caller: the calling number and the source address each count their
//     failures (across calls and rooms); from `slowAfter` failures each
//     "wrong PIN" waits longer (delayMs, doubled per failure, at most
//     maxDelayMs); at `blockAfter` that number or address is refused for
//     `blockMs`. Anonymous numbers count by address only; carrier addresses
//     (all their callers share them) count by number only.
//   - per room: `roomAlertAfter` failures raise the room's alert once (the
//     episode lasts `roomSlowMs`) and every PIN check on the room waits
//     `roomDelayMs` meanwhile; the room itself never refuses a right PIN.
// Times are the IVR's wall clock in ms; memory is bounded (failure-tally.ts).
// Several nodes (issue 18): each failure is also handed to `share`
// (ivr/room/pin-lockout-sync.ts writes it for the other nodes), and the other
// nodes' failures come back through countRemote, into the same tallies.
import { FailureTally } from './failure-tally.ts';

/** The settings (IvrConfig.pinLockout, validated by ivrConfig): failures count within `windowMs`. */
export interface PinLockoutConfig {
  /** How long a failure counts. */
  windowMs: number;
  /** A caller's failures from which each "wrong PIN" waits `delayMs`, doubled per further failure, at most `maxDelayMs`. */
  slowAfter: number;
  delayMs: number;
  maxDelayMs: number;
  /** A caller's failures that refuse its calls ("pin-blocked") for `blockMs`. */
  blockAfter: number;
  blockMs: number;
  /** Failures on one room that raise its alert and put a `roomDelayMs` wait before every PIN check there for `roomSlowMs`. */
  roomAlertAfter: number;
  roomDelayMs: number;
  roomSlowMs: number;
  /** Source addresses of carriers and trunks (every caller of an access number shares them): counted by number only. */
  carrierAddresses: readonly string[];
  /** Most calling numbers, addresses and rooms remembered (each); the idle, then the least recently seen, are forgotten beyond it. */
  maxTracked: number;
}

/** Who is entering PINs: the calling number (From user) and the source address of the INVITE. */
export interface PinCaller {
  number: string;
  address: string;
}

/** What one wrong PIN leads to. */
export interface PinFailure {
  /** Wait this long before "wrong PIN" (0: none). */
  delayMs: number;
  /** The caller has passed the limit: "pin-blocked" and hang up. */
  refused: boolean;
  /** Set when this failure starts an attack episode on the room: its end (the alert's `until`). */
  roomAlertUntil: number | null;
}

/** One wrong PIN as the nodes share it. */
export interface SharedPinFailure {
  roomId: string;
  caller: PinCaller;
  /** Wall clock, ms. */
  at: number;
}

/** Where this node's failures go for the others (nothing when alone). */
export interface PinFailureShare {
  share(f: SharedPinFailure): void;
}

/** Calling numbers that identify nobody: counted by address only. */
const ANONYMOUS = new Set(['', 'anonymous', 'unknown', 'restricted', 'private', 'unavailable']);

export class PinLockout {
  private readonly callers: FailureTally;
  private readonly rooms: FailureTally;
  private readonly carriers: ReadonlySet<string>;

  private share: PinFailureShare | undefined;

  constructor(private readonly opts: PinLockoutConfig) {
    this.callers = new FailureTally({ windowMs: opts.windowMs, keep: opts.blockAfter, maxKeys: opts.maxTracked });
    this.rooms = new FailureTally({ windowMs: opts.windowMs, keep: opts.roomAlertAfter, maxKeys: opts.maxTracked });
    this.carriers = new Set(opts.carrierAddresses);
  }

  /** When the caller's refusal ends (ms), if its number or address is refused at `now`. */
  refusedUntil(caller: PinCaller, now: number): number | null {
    const until = Math.max(0, ...this.keys(caller).map((k) => this.callers.peek(k, now)?.until ?? 0));
    return until > now ? until : null;
  }

  /** The wait before a PIN is checked on this room: roomDelayMs while it is under attack, else 0. */
  roomDelayMs(roomId: string, now: number): number {
    return (this.rooms.peek(roomId, now)?.until ?? 0) > now ? this.opts.roomDelayMs : 0;
  }

  /** Sends every later failure to `share` too (the other nodes). */
  shareWith(share: PinFailureShare): void { this.share = share; }

  /** Counts one wrong PIN of `caller` on `roomId` at `now`. */
  fail(roomId: string, caller: PinCaller, now: number): PinFailure {
    const failure = this.count(roomId, caller, now);
    this.share?.share({ roomId, caller, at: now });
    return failure;
  }

  /**
   * Counts a wrong PIN another node counted (at its time `at`): the caller
   * and the room are refused or slowed here as there. No alert is raised
   * here: the node where the PIN was entered raises it.
   */
  countRemote(f: SharedPinFailure): void {
    this.count(f.roomId, f.caller, f.at);
  }

  private count(roomId: string, caller: PinCaller, now: number): PinFailure {
    const roomAlertUntil = this.failRoom(roomId, now);
    let failures = 0;
    let refused = false;
    for (const key of this.keys(caller)) {
      const t = this.callers.add(key, now);
      failures = Math.max(failures, t.times.length);
      if (t.times.length >= this.opts.blockAfter) {
        t.until = now + this.opts.blockMs;
        t.times.length = 0; // the refusal starts afresh when it ends
        refused = true;
      }
    }
    const { slowAfter, delayMs, maxDelayMs } = this.opts;
    const delay = refused || failures < slowAfter ? 0 : Math.min(delayMs * 2 ** (failures - slowAfter), maxDelayMs);
    return { delayMs: delay, refused, roomAlertUntil };
  }

  /** Numbers, addresses and rooms remembered (for tests and the console). */
  get tracked(): { callers: number; rooms: number } {
    return { callers: this.callers.size, rooms: this.rooms.size };
  }

  /** The end of the attack episode this failure starts, or null (none starts: too few, or one is running). */
  private failRoom(roomId: string, now: number): number | null {
    const t = this.rooms.add(roomId, now);
    if (t.until > now || t.times.length < this.opts.roomAlertAfter) return null;
    t.until = now + this.opts.roomSlowMs;
    t.times.length = 0; // a new episode takes as many failures again
    return t.until;
  }

  private keys(caller: PinCaller): string[] {
    const keys: string[] = [];
    const number = caller.number.trim().toLowerCase();
    if (!ANONYMOUS.has(number)) keys.push(`number:${number}`);
    if (caller.address !== '' && !this.carriers.has(caller.address)) keys.push(`address:${caller.address}`);
    return keys;
  }
}
