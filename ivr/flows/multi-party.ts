// The multi-party call (多方通, SPEC §4): a bound convener number goes
// straight into its personal room as chair and adds parties by typing
// `number#`; unbound callers are refused with a prompt.
import { Q850 } from '../../bridge/q850.ts';
import { ValidationError } from '../../core/errors.ts';
import { normalisePhoneNumber } from '../../core/phone/normalise.ts';
import type { CallContext } from '../call/call-context.ts';
import type { IvrServices } from '../services/ivr-services.ts';
import { admitRoomNumber, authorized } from './dial-in.ts';
import { enterRoom } from './enter-room.ts';

function e164Of(from: string, region: string): string | null {
  try {
    return normalisePhoneNumber(from, { defaultRegion: region }).e164;
  } catch (err) {
    if (err instanceof ValidationError) return null;
    throw err;
  }
}

export async function multiParty(svc: IvrServices, ctx: CallContext, cdrId: string): Promise<void> {
  const e164 = e164Of(ctx.leg.from, svc.config.defaultRegion);
  const binding = e164 ? await svc.repos.conveners.findByNumber(e164) : undefined;
  if (!binding) {
    ctx.log.info({ from: ctx.leg.from }, 'multi-party call from an unbound number');
    await ctx.goodbye(['unbound-caller'], Q850.CALL_REJECTED, 'unbound_caller');
    return;
  }
  const room = await svc.repos.rooms.get(binding.accountId, binding.roomId);
  const admission = await admitRoomNumber(svc, ctx, room.number);
  if (!admission) return;
  svc.records.update(cdrId, { accountId: binding.accountId, roomId: room.id, roomNumber: room.number });
  ctx.log = ctx.log.child({ room: room.number, convener: binding.id });
  if (!(await authorized(ctx, admission))) return;
  if (ctx.accessNumber) void svc.budget?.answeredIn(admission.account.id, ctx.leg, ctx.accessNumber.id, ctx.lang, svc.now().getTime() - ctx.leg.answeredAt.getTime());
  await ctx.play(['welcome-convener']);
  await enterRoom(svc, {
    ctx, cdrId, admission, role: 'chair', kind: 'convener', multiParty: true,
    maxParticipants: Math.min(svc.config.multiPartyMaxParties, room.maxParticipants),
    afterJoin: () => ctx.play(['enter-party-number']),
  });
}
