// PIN + # (SPEC §2.3): the chair PIN makes a chair, the guest PIN a guest;
// an empty guest PIN admits guests on a bare #. Three tries per call. Every
// wrong PIN is counted (room/pin-lockout.ts): a caller (number, address)
// with many failures waits longer before each "wrong PIN", then is refused
// ("pin-blocked"); a room under attack raises its alert once and waits a
// little before every PIN check there — a right PIN still gets in.
import { Q850 } from '../../bridge/q850.ts';
import { roleForPin, type PinRole } from '../../core/rooms/pins.ts';
import type { Room } from '../../core/rooms/store.ts';
import type { CallContext } from '../call/call-context.ts';
import type { PinLockout } from '../room/pin-lockout.ts';

export interface AskPinOptions {
  tries: number;
  firstDigitTimeoutMs: number;
  interDigitTimeoutMs: number;
  now: () => Date;
  /** Called once when this caller's failure starts an attack episode on the room (the web's alert), with when it ends. */
  onLockout: (room: Room, until: Date) => void;
}

/** The caller's role, or null once the call is over. */
export async function askPin(ctx: CallContext, room: Room, lockout: PinLockout, opts: AskPinOptions): Promise<PinRole | null> {
  const caller = { number: ctx.leg.from, address: ctx.sourceAddress };
  const wait = async (ms: number) => {
    if (ms <= 0) return;
    ctx.pinDelayMs += ms;
    await ctx.keys.pause(ms);
  };
  for (let attempt = 1; attempt <= opts.tries && !ctx.ended; attempt++) {
    if (lockout.refusedUntil(caller, opts.now().getTime()) !== null) {
      ctx.log.warn({ room: room.number, address: caller.address }, 'PIN entry refused for this caller');
      await ctx.goodbye(['pin-blocked'], Q850.NORMAL_CLEARING, 'pin_blocked');
      return null;
    }
    await ctx.play(['enter-pin']);
    const entry = await ctx.keys.collect({ max: 8, terminator: '#', firstTimeoutMs: opts.firstDigitTimeoutMs, interTimeoutMs: opts.interDigitTimeoutMs });
    if (ctx.ended) return null;
    // A bare # is an entry (the empty guest PIN); silence until the timeout is not.
    const entered = entry.terminated || entry.digits !== '';
    if (!entered) {
      ctx.entryErrors.noPin++;
      ctx.log.info({ attempt }, 'no PIN entered');
      if (attempt < opts.tries) await ctx.play(['try-again']);
      continue;
    }
    await wait(lockout.roomDelayMs(room.id, opts.now().getTime()));
    if (ctx.ended) return null;
    const role = roleForPin(entry.digits, room);
    if (role) return role;
    ctx.entryErrors.wrongPin++;
    ctx.log.info({ attempt, room: room.number }, 'wrong PIN');
    const failure = lockout.fail(room.id, caller, opts.now().getTime());
    if (failure.roomAlertUntil !== null) opts.onLockout(room, new Date(failure.roomAlertUntil));
    if (failure.refused) {
      ctx.log.warn({ address: caller.address }, 'too many wrong PINs from this caller: refused for a while');
      await ctx.goodbye(['wrong-pin', 'pin-blocked'], Q850.NORMAL_CLEARING, 'pin_blocked');
      return null;
    }
    await wait(failure.delayMs);
    if (ctx.ended) return null;
    await ctx.play(['wrong-pin']);
  }
  if (!ctx.ended) await ctx.goodbye(['too-many-attempts'], Q850.NORMAL_CLEARING, 'too_many_attempts:pin');
  return null;
}
