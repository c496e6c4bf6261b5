// What every step of one call works with: the leg, its keypad, the caller's
// language, a per-call logger, where the call came from, and the ending of
// the call.
import type { CallLeg } from '../../bridge/port.ts';
import { Q850, type Q850Cause } from '../../bridge/q850.ts';
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import type { AccessNumber } from '../../core/telephony/store.ts';
import type { PromptId, PromptLang } from '../prompts/catalog.ts';
import { Keypad } from './keypad.ts';
import { say } from './say.ts';

export class CallContext {
  readonly keys: Keypad;
  /** How the call went, for logs, metrics and tests: 'joined', 'too_many_attempts:pin', 'refused:locked' … */
  outcome = 'hung_up';
  /** The waits the PIN lockout put on this call (ivr/steps/ask-pin.ts), ms. */
  pinDelayMs = 0;
  /** Entries the IVR could not use: a room not found, no room number, a wrong PIN, no PIN (for the burst benchmark and metrics). */
  readonly entryErrors = { roomNotFound: 0, noRoom: 0, wrongPin: 0, noPin: 0 };
  /** When the caller was put in a room's mix (live-room.ts join), on the IVR's clock (ms). */
  joinedAtMs: number | null = null;
  private readonly joinedListeners: Array<() => void> = [];

  constructor(
    readonly leg: CallLeg,
    public lang: PromptLang,
    public log: Logger,
    /** The access number dialled, or null for SIP URI dial-in and calls the bridge placed. */
    readonly accessNumber: AccessNumber | null,
    /** Times the keypad's waits. */
    readonly clock: Clock,
    /** The caller's SIP display name, when the From header gave one. */
    readonly displayName: string | null = null,
    /** The source address of the caller's INVITE (the PIN lockout counts by it); '' for calls the bridge placed. */
    readonly sourceAddress = '',
  ) {
    this.keys = new Keypad(leg, clock);
  }

  get ended(): boolean { return this.leg.ended; }

  /** Runs `fn` once the caller is in a room's mix (at once if already). */
  onJoined(fn: () => void): void {
    if (this.joinedAtMs !== null) fn();
    else this.joinedListeners.push(fn);
  }

  /** The room has put the caller in its mix (live-room.ts). */
  markJoined(): void {
    if (this.joinedAtMs !== null) return;
    this.joinedAtMs = this.clock.now();
    for (const fn of this.joinedListeners.splice(0)) fn();
  }

  /** Plays catalog prompts in the caller's language. */
  play(ids: readonly PromptId[], interruptible = true): Promise<void> {
    return this.keys.play(say(ids, this.lang), interruptible);
  }

  /** Says the last words and hangs up. */
  async goodbye(ids: readonly PromptId[], cause: Q850Cause = Q850.NORMAL_CLEARING, outcome?: string): Promise<void> {
    if (outcome) this.outcome = outcome;
    await this.play(ids, false);
    await this.leg.hangup(cause);
  }
}
