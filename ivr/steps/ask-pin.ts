// PIN + # (SPEC §2.3): the chair PIN makes a chair, the guest PIN a guest;
// an empty guest PIN admits guests on a bare #. Three tries per call; the
// room's lockout counts every wrong PIN across calls.
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
  /** Called once when this caller's failure starts a lockout (the web's alert), with when the block ends. */
  onLockout: (room: Room, until: Date) => void;
}

/** The caller's role, or null once the call is over. */
export async function askPin(ctx: CallContext, room: Room, lockout: PinLockout, opts: AskPinOptions): Promise<PinRole | null> {
  for (let attempt = 1; attempt <= opts.tries && !ctx.ended; attempt++) {
    if (lockout.isBlocked(room.id, opts.now().getTime())) {
      ctx.log.warn({ room: room.number }, 'PIN entry blocked on this room');
      await ctx.goodbye(['pin-blocked'], Q850.NORMAL_CLEARING, 'pin_blocked');
      return null;
    }
    await ctx.play(['enter-pin']);
    const entry = await ctx.keys.collect({ max: 8, terminator: '#', firstTimeoutMs: opts.firstDigitTimeoutMs, interTimeoutMs: opts.interDigitTimeoutMs });
    if (ctx.ended) return null;
    // A bare # is an entry (the empty guest PIN); silence until the timeout is not.
    const role = entry.terminated || entry.digits !== '' ? roleForPin(entry.digits, room) : null;
    if (role) return role;
    if (!entry.terminated && entry.digits === '') {
      ctx.log.info({ attempt }, 'no PIN entered');
      if (attempt < opts.tries) await ctx.play(['try-again']);
      continue;
    }
    ctx.log.info({ attempt, room: room.number }, 'wrong PIN');
    if (lockout.fail(room.id, opts.now().getTime())) {
      opts.onLockout(room, new Date(lockout.blockEnds(room.id) ?? opts.now().getTime()));
      await ctx.goodbye(['wrong-pin', 'pin-blocked'], Q850.NORMAL_CLEARING, 'pin_blocked');
      return null;
    }
    await ctx.play(['wrong-pin']);
  }
  if (!ctx.ended) await ctx.goodbye(['too-many-attempts'], Q850.NORMAL_CLEARING, 'too_many_attempts:pin');
  return null;
}
